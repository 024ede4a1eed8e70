package locale

import "testing"

func TestPlainC(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"LANG": "C.UTF-8"}, "C"},
		{map[string]string{"LANG": "C.utf8"}, "C"},
		{map[string]string{"LANG": "POSIX.UTF-8"}, "POSIX"},
		{map[string]string{"LC_MESSAGES": "C.UTF-8", "LANG": "de_DE.UTF-8"}, "C"},
		{map[string]string{"LANG": "C"}, ""},                                     // already plain
		{map[string]string{"LANG": "de_DE.UTF-8"}, ""},                           // a real language
		{map[string]string{"LC_MESSAGES": "fr_FR.UTF-8", "LANG": "C.UTF-8"}, ""}, // messages are French
		{map[string]string{"LC_ALL": "C.UTF-8"}, ""},                             // LC_ALL outranks LC_MESSAGES
		{map[string]string{}, ""},
	}
	for _, tt := range tests {
		if got := plainC(func(k string) string { return tt.env[k] }); got != tt.want {
			t.Errorf("%v: got %q, want %q", tt.env, got, tt.want)
		}
	}
}
