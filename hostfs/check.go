package hostfs

import (
	"errors"
	"io/fs"
	"regexp"

	"golang.org/x/sys/unix"
)

// tempRE matches the temp files CreateTemp makes: ".NAME.tmp-DIGITS".
var tempRE = regexp.MustCompile(`^\..+\.tmp-[0-9]+$`)

// RemoveTemps removes the temp files a write killed part-way left in the
// directory p (".NAME.tmp-*", which may hold a private key), and returns
// their real paths. Only call it while no other write can be running there.
func (f *FS) RemoveTemps(p string) ([]string, error) {
	d, err := f.OpenDir(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer d.Close()
	ents, err := d.ReadDir()
	if err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	for _, e := range ents {
		if !tempRE.MatchString(e.Name()) || !e.Type().IsRegular() {
			continue
		}
		if err := d.Remove(e.Name()); err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, d.join(e.Name()))
	}
	if len(removed) > 0 {
		errs = append(errs, d.Sync())
	}
	return removed, errors.Join(errs...)
}

// Problems walks to p like Check but goes on past a directory it would
// refuse, and returns every refusal on the way: a link (where the walk
// stops), each directory another user owns or may write, the file if
// another user owns it. A missing component ends the walk quietly.
func (f *FS) Problems(p string) []error {
	names, err := components(p)
	if err != nil {
		return []error{err}
	}
	loose := &FS{root: f.root}
	d, err := loose.openRoot()
	if err != nil {
		return []error{err}
	}
	defer func() { d.Close() }()
	var errs []error
	for i, n := range names {
		fi, err := d.Lstat(n)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return errs
		case err != nil:
			return append(errs, err)
		case fi.Mode()&fs.ModeSymlink != 0:
			return append(errs, d.linkError(n))
		case !fi.IsDir():
			if i == len(names)-1 && f.strict {
				if err := (&Dir{fs: f, fd: d.fd, path: d.path}).checkFile(n, fi); err != nil {
					errs = append(errs, err)
				}
			}
			return errs
		}
		sub, err := d.Sub(n)
		if err != nil {
			return append(errs, err)
		}
		d.Close()
		d = sub
		if f.strict {
			st := fi.Sys().(*unix.Stat_t)
			if err := checkOwner(d.fs.OnDisk(d.path), true, st.Uid, st.Mode); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errs
}

// ProblemsBelow is Problems for everything below the directory p, depth
// levels down (1: its entries; 2: their entries too), in one pass: links,
// directories another user owns or may write, files another user owns. It
// does not check p itself or the way to it: Problems(p) does.
func (f *FS) ProblemsBelow(p string, depth int) []error {
	d, err := (&FS{root: f.root}).OpenDir(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return []error{err}
	}
	defer d.Close()
	return f.problemsIn(d, depth)
}

func (f *FS) problemsIn(d *Dir, depth int) []error {
	ents, err := d.ReadDir()
	if err != nil {
		return []error{err}
	}
	var errs []error
	for _, e := range ents {
		n := e.Name()
		fi, err := d.Lstat(n)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			errs = append(errs, err)
			continue
		case fi.Mode()&fs.ModeSymlink != 0:
			errs = append(errs, d.linkError(n))
			continue
		}
		if !f.strict && !fi.IsDir() {
			continue
		}
		st := fi.Sys().(*unix.Stat_t)
		if err := checkOwner(d.onDisk(n), fi.IsDir(), st.Uid, st.Mode); err != nil && f.strict {
			errs = append(errs, err)
		}
		if fi.IsDir() && depth > 1 {
			sub, err := d.Sub(n)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			errs = append(errs, f.problemsIn(sub, depth-1)...)
			sub.Close()
		}
	}
	return errs
}
