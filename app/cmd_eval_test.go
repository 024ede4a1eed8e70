package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestEvalAndClassifierRejectBadFlags(t *testing.T) {
	tests := []struct {
		name string
		cmd  func(context.Context, []string, *bytes.Buffer, *bytes.Buffer) int
		args []string
		want string
	}{
		{"eval without a mode", evalCmd, nil, "give exactly one of"},
		{"eval two modes", evalCmd, []string{"--images", "x", "--baseline", "noise"}, "give exactly one of"},
		{"eval n too small", evalCmd, []string{"--baseline", "noise", "--n", "2"}, "--n 2 is out of range"},
		{"eval unknown baseline", evalCmd, []string{"--baseline", "nope"}, `unknown baseline "nope"`},
		{"eval missing checkpoint", evalCmd, []string{"--checkpoint", "/no/such.ckpt"}, "/no/such.ckpt"},
		{"eval stray argument", evalCmd, []string{"--baseline", "noise", "extra"}, "unexpected argument"},
		{"classifier no subcommand", classifierCmd, []string{"fly"}, "unknown subcommand"},
		{"classifier cifar", classifierCmd, []string{"train", "--dataset", "cifar10"}, "no classifier for data set"},
		{"classifier no dataset", classifierCmd, []string{"train"}, "--dataset is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := tt.cmd(context.Background(), tt.args, &out, &errb); code == 0 {
				t.Fatal("exit code 0")
			}
			if !strings.Contains(errb.String(), tt.want) {
				t.Fatalf("stderr %q does not mention %q", errb.String(), tt.want)
			}
		})
	}
}

func TestEvalNoClassifierSaysSo(t *testing.T) {
	var out, errb bytes.Buffer
	code := evalCommand(context.Background(), []string{"--baseline", "noise", "--dataset", "cifar10"}, &out, &errb)
	if code != 3 || !strings.Contains(out.String(), "not available for cifar10") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
}

func TestEvalBaseline(t *testing.T) {
	if testing.Short() {
		t.Skip("loads MNIST and runs the classifier")
	}
	var out, errb bytes.Buffer
	code := evalCommand(context.Background(), []string{"--baseline", "single-image", "--n", "200"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "classes covered      1/10") {
		t.Fatalf("a single repeated image should cover 1 class:\n%s", out.String())
	}
}

func evalCmd(ctx context.Context, args []string, out, errb *bytes.Buffer) int {
	return evalCommand(ctx, args, out, errb)
}

func classifierCmd(ctx context.Context, args []string, out, errb *bytes.Buffer) int {
	return classifierCommand(ctx, args, out, errb)
}
