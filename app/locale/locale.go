// Package locale makes Fyne read the POSIX locale under its UTF-8 names
// (C.UTF-8, the default of Debian and Ubuntu containers) as the plain C
// locale it is. Fyne's locale library takes "C.UTF-8" for a language
// called "C" and logs an error on every start; it knows plain "C".
//
// Importing the package is all it takes. It has to be initialised before
// Fyne, which Go's initialisation order gives a package that needs nothing
// beyond the standard library; the app's tests check that it is.
package locale

import (
	"os"
	"strings"
)

func init() {
	if v := plainC(os.Getenv); v != "" {
		os.Setenv("LC_MESSAGES", v)
	}
}

// plainC returns "C" or "POSIX" when the locale that decides the language
// of messages (the first of LC_ALL, LC_MESSAGES and LANG that is set, as in
// gettext) is a UTF-8 spelling of it that LC_MESSAGES can override, and ""
// otherwise.
func plainC(getenv func(string) string) string {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		val := getenv(v)
		if val == "" {
			continue
		}
		base, _, ok := strings.Cut(val, ".")
		if ok && (base == "C" || base == "POSIX") && v != "LC_ALL" {
			return base
		}
		return ""
	}
	return ""
}
