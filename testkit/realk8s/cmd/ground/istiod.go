package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// istiodRunner is the ground's "kubelet" for istiod pods: kwok simulates every other pod, but
// for each Running istiod pod it runs the real pilot-discovery with the pod's own arguments and
// environment, listening on a loopback address of its own (127.X.Y.N). The egress proxy joins
// the pod's IP to that address, so that the API server's webhook call to the istiod Service
// (resolved to the pod IP through its endpoints) reaches the real injector.
type istiodRunner struct {
	g    *ground
	mu   sync.Mutex
	pods map[types.UID]*pilot
	byIP map[string]string // pod IP -> loopback address
	next int
	// 127.X.Y.: a loopback /24 of this ground's own, so that two grounds on one machine (tests
	// run in parallel) never share a pilot-discovery address.
	prefix string
}

type pilot struct {
	podIP, addr string
	proc        *proc
}

func newIstiodRunner(g *ground) *istiodRunner {
	n := mrand.IntN(254 * 254)
	prefix := fmt.Sprintf("127.%d.%d.", 1+n/254, 1+n%254)
	return &istiodRunner{g: g, pods: map[types.UID]*pilot{}, byIP: map[string]string{}, next: 1, prefix: prefix}
}

// serveEgressProxy listens for the API server's "cluster" egress: HTTP CONNECT to POD-IP:PORT
// becomes a TCP connection to the pilot-discovery of that pod. Anything else is refused, as a
// pod network without that pod would.
//
// A Unix socket: kube-apiserver's TCP transport for HTTP CONNECT insists on TLS (and panics
// without a tlsConfig, which its validation lets through).
func (r *istiodRunner) serveEgressProxy() (string, error) {
	sock := r.g.path("egress.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		return "", err
	}
	logf, err := os.Create(r.g.path("logs", "egress-proxy.log"))
	if err != nil {
		return "", err
	}
	var logMu sync.Mutex
	logLine := func(format string, a ...any) {
		logMu.Lock()
		defer logMu.Unlock()
		fmt.Fprintf(logf, time.Now().Format(time.RFC3339)+" "+format+"\n", a...)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodConnect {
			http.Error(w, "CONNECT only", http.StatusMethodNotAllowed)
			return
		}
		host, port, err := net.SplitHostPort(req.Host)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		addr, ok := r.byIP[host]
		r.mu.Unlock()
		if !ok {
			logLine("CONNECT %s: no pod with a real process there", req.Host)
			http.Error(w, "no real process behind "+host, http.StatusBadGateway)
			return
		}
		up, err := net.DialTimeout("tcp", net.JoinHostPort(addr, port), 5*time.Second)
		if err != nil {
			logLine("CONNECT %s -> %s:%s: %v", req.Host, addr, port, err)
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		logLine("CONNECT %s -> %s:%s", req.Host, addr, port)
		hj, ok := w.(http.Hijacker)
		if !ok {
			up.Close()
			http.Error(w, "no hijack", http.StatusInternalServerError)
			return
		}
		down, buf, err := hj.Hijack()
		if err != nil {
			up.Close()
			return
		}
		_, _ = down.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n"))
		go pipe(up, buf.Reader, down)
	})}
	go func() { _ = srv.Serve(l) }()
	return sock, nil
}

func pipe(up net.Conn, downR *bufio.Reader, down net.Conn) {
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, downR); done <- struct{}{} }()
	go func() { _, _ = io.Copy(down, up); done <- struct{}{} }()
	<-done
	up.Close()
	down.Close()
}

// run watches istiod pods (label app=istiod) and starts or stops pilot-discovery with them.
func (r *istiodRunner) run(ctx context.Context, cs *kubernetes.Clientset) error {
	f := informers.NewSharedInformerFactoryWithOptions(cs, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = "app=istiod" }))
	inf := f.Core().V1().Pods().Informer()
	_, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(o any) { r.sync(o) },
		UpdateFunc: func(_, o any) { r.sync(o) },
		DeleteFunc: func(o any) {
			if t, ok := o.(cache.DeletedFinalStateUnknown); ok {
				o = t.Obj
			}
			if p, ok := o.(*corev1.Pod); ok {
				r.stop(p.UID)
			}
		},
	})
	if err != nil {
		return err
	}
	f.Start(ctx.Done())
	return nil
}

func (r *istiodRunner) sync(o any) {
	pod, ok := o.(*corev1.Pod)
	if !ok {
		return
	}
	if pod.DeletionTimestamp != nil || pod.Status.PodIP == "" || pod.Status.Phase != corev1.PodRunning {
		r.stop(pod.UID)
		return
	}
	r.mu.Lock()
	_, running := r.pods[pod.UID]
	r.mu.Unlock()
	if running {
		return
	}
	if err := r.start(pod); err != nil {
		fmt.Fprintf(os.Stderr, "ground: cannot run pilot-discovery for pod %s/%s: %v\n", pod.Namespace, pod.Name, err)
	}
}

func (r *istiodRunner) start(pod *corev1.Pod) error {
	bin, err := r.g.binary("pilot-discovery")
	if err != nil {
		return err
	}
	var c *corev1.Container
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == "discovery" {
			c = &pod.Spec.Containers[i]
		}
	}
	if c == nil {
		return fmt.Errorf("no container named discovery")
	}
	r.mu.Lock()
	addr := fmt.Sprintf("%s%d", r.prefix, r.next)
	r.next++
	r.mu.Unlock()

	env := []string{}
	for _, e := range c.Env {
		if v, ok := envValue(pod, c, e); ok {
			env = append(env, e.Name+"="+v)
		}
	}
	// Its own addresses; the pod's own arguments first, so that these win.
	args := append([]string{}, c.Args...)
	args = append(args,
		"--kubeconfig="+r.g.kubeconfig("admin"),
		"--httpAddr="+addr+":8080", "--httpsAddr="+addr+":15017",
		"--grpcAddr="+addr+":15010", "--secureGRPCAddr="+addr+":15012",
		"--monitoringAddr="+addr+":15014",
		"--ctrlz_address="+addr, "--ctrlz_port=9876",
		"--shutdownDuration=1s",
	)
	dir := r.g.path("pods", pod.Name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	p, err := r.g.spawn("pilot-discovery-"+pod.Name, bin, args, env, dir)
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.pods[pod.UID] = &pilot{podIP: pod.Status.PodIP, addr: addr, proc: p}
	r.byIP[pod.Status.PodIP] = addr
	r.mu.Unlock()
	fmt.Fprintf(os.Stderr, "ground: pilot-discovery for %s/%s (pod IP %s) on %s\n", pod.Namespace, pod.Name, pod.Status.PodIP, addr)
	return nil
}

func (r *istiodRunner) stop(uid types.UID) {
	r.mu.Lock()
	p, ok := r.pods[uid]
	if ok {
		delete(r.pods, uid)
		if r.byIP[p.podIP] == p.addr {
			delete(r.byIP, p.podIP)
		}
	}
	r.mu.Unlock()
	if ok {
		go p.proc.stop()
	}
}

func (r *istiodRunner) stopAll() {
	r.mu.Lock()
	uids := make([]types.UID, 0, len(r.pods))
	for uid := range r.pods {
		uids = append(uids, uid)
	}
	r.mu.Unlock()
	for _, uid := range uids {
		r.mu.Lock()
		p := r.pods[uid]
		delete(r.pods, uid)
		r.mu.Unlock()
		if p != nil {
			p.proc.stop()
		}
	}
}

// envValue resolves a container's environment variable as the kubelet would, for the sources
// istiod's Deployment uses (literal values and the downward API).
func envValue(pod *corev1.Pod, c *corev1.Container, e corev1.EnvVar) (string, bool) {
	if e.ValueFrom == nil {
		return e.Value, true
	}
	if f := e.ValueFrom.FieldRef; f != nil {
		switch f.FieldPath {
		case "metadata.name":
			return pod.Name, true
		case "metadata.namespace":
			return pod.Namespace, true
		case "metadata.uid":
			return string(pod.UID), true
		case "spec.serviceAccountName":
			return pod.Spec.ServiceAccountName, true
		case "spec.nodeName":
			return pod.Spec.NodeName, true
		case "status.podIP":
			return pod.Status.PodIP, true
		case "status.hostIP":
			return pod.Status.HostIP, true
		}
		if strings.HasPrefix(f.FieldPath, "metadata.labels['") {
			k := strings.TrimSuffix(strings.TrimPrefix(f.FieldPath, "metadata.labels['"), "']")
			return pod.Labels[k], true
		}
		return "", false
	}
	if f := e.ValueFrom.ResourceFieldRef; f != nil {
		// GOMAXPROCS / GOMEMLIMIT from limits: leave them to the Go runtime on this machine.
		return "", false
	}
	return "", false
}
