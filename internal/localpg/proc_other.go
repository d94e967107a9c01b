//go:build unix && !linux

package localpg

import "syscall"

// sysProcAttr puts the child in its own process group and drops to the
// postgres user when running as root. Pdeathsig does not exist outside Linux.
func sysProcAttr(owner *osUser) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Setpgid: true}
	if owner != nil {
		attr.Credential = &syscall.Credential{Uid: owner.uid, Gid: owner.gid}
	}
	return attr
}
