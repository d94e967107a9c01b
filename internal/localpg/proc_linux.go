package localpg

import "syscall"

// sysProcAttr puts the child in its own process group (so a Ctrl-C in the
// terminal does not reach it and Stop can kill the whole group), kills it when
// the parent dies, and drops to the postgres user when running as root.
func sysProcAttr(owner *osUser) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if owner != nil {
		attr.Credential = &syscall.Credential{Uid: owner.uid, Gid: owner.gid}
	}
	return attr
}
