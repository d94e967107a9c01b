// Package localpg runs a private PostgreSQL cluster from the server binaries
// installed on the machine (initdb and postgres), without a system service,
// Docker or a password.
//
// A cluster lives in one directory chosen by the caller:
//
//	Dir/data          the data directory (initdb -A trust, -U postgres)
//	Dir/run           the unix socket directory (0700)
//	Dir/postgres.log  stdout and stderr of the postmaster
//	Dir/socketdir     only when Dir/run would make the socket path too long:
//	                  the path of the short fallback socket directory
//
// [Start] creates the cluster on first use, starts postgres as a child process
// and waits until it accepts connections. [Cluster.Stop] shuts it down (fast
// shutdown, then SIGKILL after a timeout). The postmaster gets SIGKILL when the
// parent dies (Linux: Pdeathsig), so a crashed parent does not leave it
// behind, and a stale postmaster.pid left by such a crash is handled on the
// next Start.
//
// A normal cluster only listens on its unix socket (permissions 0700), so
// trust authentication only admits the owner (and root). A throwaway cluster
// ([Options].Throwaway, for tests) trades durability for speed (fsync=off and
// friends) and also listens on 127.0.0.1 at a free port.
//
// initdb and postgres refuse to run as root. When the current process is root
// they run as the "postgres" system user instead, and the cluster directories
// are chowned to it; every parent directory of Dir must then be traversable
// by that user.
//
// [Attach] connects to a cluster that another process (for example a running
// "settle serve") already started in the same directory, without owning it.
package localpg
