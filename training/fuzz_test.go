package training

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzConfig feeds arbitrary config.json content to the reader a run
// folder from someone else goes through: it must reject or accept, never
// panic. What Validate accepts must also resume: config.json written back
// validates again, and resuming with the same settings changes nothing.
func FuzzConfig(f *testing.F) {
	for _, name := range Presets() {
		c, _ := Preset(name)
		b, _ := json.Marshal(c)
		f.Add(b)
	}
	f.Add([]byte(`{"batch_size":-1,"model":{"width":3}}`))
	f.Add([]byte(`{"learn_rate_g":1e999}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, configFile), data, 0o644)
		run, err := ReadRun(dir)
		if err != nil || run.Config.Validate() != nil {
			return // refused, as a resume refuses it
		}
		b, err := json.Marshal(run.Config)
		if err != nil {
			t.Fatalf("a valid configuration does not marshal: %v", err)
		}
		var back Config
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("a valid configuration does not read back: %v\n%s", err, b)
		}
		if err := back.Validate(); err != nil {
			t.Fatalf("a valid configuration is invalid once written and read back: %v\n%s", err, b)
		}
		if _, changes, err := Amend(run.Config, back); err != nil || len(changes) > 0 {
			t.Fatalf("resuming a valid configuration as it is: changes %v, %v\n%s", changes, err, b)
		}
	})
}

// FuzzLosses feeds arbitrary losses.csv content to its reader.
func FuzzLosses(f *testing.F) {
	f.Add([]byte("step,epoch,d_loss,g_loss,d_real,d_fake,images_per_sec\n1,1,1.2,0.7,0.5,0.4,300.5\n2,1,1.1"))
	f.Add([]byte("\"unterminated\n1,2,3"))
	f.Add([]byte("step\n1e400,NaN,Inf,-Inf,0,0,0\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), lossesFile)
		os.WriteFile(path, data, 0o644)
		steps, err := readLosses(path)
		if err == nil && len(steps) > len(data) {
			t.Fatalf("%d steps from %d bytes", len(steps), len(data))
		}
	})
}
