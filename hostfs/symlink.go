package hostfs

import (
	"golang.org/x/sys/unix"
)

// Symlink makes name in d a symbolic link to target, as "systemctl enable"
// makes its links; it fails with an error wrapping fs.ErrExist instead of
// replacing name.
func (d *Dir) Symlink(target, name string) error {
	if err := validName(name); err != nil {
		return err
	}
	crash("link")
	if err := unix.Symlinkat(target, d.fd, name); err != nil {
		return d.pathErr("symlink", name, err)
	}
	return nil
}

// Readlink returns the target of the symbolic link name in d.
func (d *Dir) Readlink(name string) (string, error) {
	if err := validName(name); err != nil {
		return "", err
	}
	buf := make([]byte, unix.PathMax)
	n, err := unix.Readlinkat(d.fd, name, buf)
	if err != nil {
		return "", d.pathErr("readlink", name, err)
	}
	return string(buf[:n]), nil
}
