// Command ground starts kyma-mesh's real test ground on loopback: etcd, kube-apiserver (TLS,
// client certificates, a static token for the exec-plugin user, RBAC), kube-controller-manager,
// kube-scheduler, kwok (simulated nodes), and real pilot-discovery for every istiod pod the
// cluster schedules, reached by the API server's webhook calls through an HTTP CONNECT egress
// proxy (the "cluster" egress selector) that stands in for the pod network.
//
//	ground up [--bin DIR] [--dir DIR] [--exit-on-stdin-eof]
//	ground credential TOKEN-FILE   (the exec credential plugin of exec.kubeconfig)
//
// `up` prints `KUBECONFIG=<admin kubeconfig>` and `READY` once /readyz answers and the nodes
// are Ready, then runs until SIGINT/SIGTERM (or stdin closes, with --exit-on-stdin-eof), and
// stops everything it started, removing its temporary folder.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	switch os.Args[1] {
	case "up":
		os.Exit(up(os.Args[2:]))
	case "credential":
		if len(os.Args) != 3 {
			usage()
		}
		os.Exit(credential(os.Args[2]))
	default:
		usage()
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: ground up [--bin DIR] [--dir DIR] [--exit-on-stdin-eof] [--nodes N]\n       ground credential TOKEN-FILE")
	os.Exit(2)
}

// credential prints an ExecCredential carrying the token in TOKEN-FILE, as cloud login plugins
// (aws eks get-token, gke-gcloud-auth-plugin, kubelogin) do.
func credential(tokenFile string) int {
	tok, err := os.ReadFile(tokenFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ground credential:", err)
		return 1
	}
	fmt.Printf(`{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":%q}}`+"\n", string(tok))
	return 0
}

func up(args []string) int {
	fs := flag.NewFlagSet("up", flag.ExitOnError)
	self, _ := os.Executable()
	binDir := fs.String("bin", filepath.Dir(self), "folder with kube-apiserver, etcd, kwok, pilot-discovery, ...")
	dir := fs.String("dir", "", "state folder (default: a new temporary folder, removed on exit)")
	stdinEOF := fs.Bool("exit-on-stdin-eof", false, "stop when standard input closes (for a test that spawns the ground)")
	nodes := fs.Int("nodes", 2, "simulated nodes")
	_ = fs.Parse(args)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	if *stdinEOF {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop()
		}()
	}

	temp := *dir == ""
	if temp {
		d, err := os.MkdirTemp("", "kyma-mesh-ground-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "ground:", err)
			return 1
		}
		*dir = d
	}
	g := &ground{bin: *binDir, dir: *dir, nodes: *nodes}
	err := g.start(ctx)
	if err == nil {
		fmt.Printf("KUBECONFIG=%s\n", g.kubeconfig("admin"))
		fmt.Printf("RESTRICTED_KUBECONFIG=%s\n", g.kubeconfig("restricted"))
		fmt.Printf("EXEC_KUBECONFIG=%s\n", g.kubeconfig("exec"))
		fmt.Printf("ETCD_ENDPOINT=%s\n", g.etcdURL)
		fmt.Println("READY")
		<-ctx.Done()
	} else {
		fmt.Fprintln(os.Stderr, "ground: start failed:", err)
		g.dumpLogs()
	}
	g.shutdown()
	if temp {
		_ = os.RemoveAll(*dir)
	}
	if err != nil {
		return 1
	}
	return 0
}

// fatal marks an error that no amount of waiting mends (a process exited).
type fatal struct{ error }

// waitFor polls cond every 200 ms until it returns nil or a fatal error, or the timeout passes.
func waitFor(ctx context.Context, what string, timeout time.Duration, cond func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return nil
		}
		var f fatal
		if errors.As(err, &f) {
			return fmt.Errorf("waiting for %s: %w", what, f.error)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out waiting for %s: %w", what, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("interrupted waiting for %s", what)
		case <-time.After(200 * time.Millisecond):
		}
	}
}
