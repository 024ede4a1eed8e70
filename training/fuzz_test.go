package training

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzConfig feeds arbitrary config.json content to the reader a run
// folder from someone else goes through: it must reject or accept, never
// panic.
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
		if err != nil {
			return
		}
		run.Config.Validate()
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
