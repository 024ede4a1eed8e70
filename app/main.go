// Command ganstudio trains generative adversarial networks and shows them
// learning. Without arguments it opens the window; its subcommands run the
// same engine from the terminal.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	_ "github.com/ganstudio/ganstudio/app/locale" // before Fyne's initialisation
)

const usage = `usage: ganstudio [--preset NAME] [--autostart]     open the window
       ganstudio train --preset NAME [flags]          train from the terminal
       ganstudio sample --checkpoint FILE --n N --out PATH
       ganstudio export --checkpoint C --format safetensors|onnx --out PATH
       ganstudio data list | data info NAME
       ganstudio eval --checkpoint FILE [--n N] | --images DIR | --baseline NAME | --calibrate
       ganstudio classifier train|test --dataset NAME
       ganstudio bench [--preset NAME] [--steps N]
run "ganstudio COMMAND -h" for a command's flags`

// gcPercent is the garbage collector's GOGC unless the user sets one. Most
// of a training process's heap is the networks' buffers, which live for the
// whole run and hold no pointers: collecting when new garbage reaches a
// quarter of them costs little, where Go's default (a whole heap's worth)
// let the window, which makes garbage much faster than training does, grow
// from about 700 MB to 1.1 GB on lite-mnist.
const gcPercent = 25

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") && args[0] != "-h" && args[0] != "--help" {
		return guiCommand(args, stderr)
	}
	// Ctrl-C and SIGTERM cancel the context; long commands save and exit.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch args[0] {
	case "train":
		return trainCommand(ctx, args[1:], stdout, stderr)
	case "sample":
		return sampleCommand(args[1:], stdout, stderr)
	case "bench":
		return benchCommand(args[1:], stdout, stderr)
	case "data":
		return dataCommand(ctx, args[1:], stdout, stderr)
	case "export":
		return exportCommand(args[1:], stdout, stderr)
	case "eval":
		return evalCommand(ctx, args[1:], stdout, stderr)
	case "classifier":
		return classifierCommand(ctx, args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprintln(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "ganstudio: unknown command %q\n%s\n", args[0], usage)
	return 2
}
