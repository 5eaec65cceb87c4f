package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	nodefast "sigs.k8s.io/kwok/kustomize/stage/node/fast"
	nodelease "sigs.k8s.io/kwok/kustomize/stage/node/heartbeat-with-lease"
	podfast "sigs.k8s.io/kwok/kustomize/stage/pod/fast"
)

// RestrictedUser may read most things but not write them: preflight with its kubeconfig lists
// the permissions it lacks (real SubjectAccessReviews).
const RestrictedUser = "kyma-mesh-restricted"

// ExecUser authenticates with a bearer token that an exec credential plugin hands out.
const ExecUser = "kyma-mesh-exec"

type ground struct {
	bin, dir string
	nodes    int

	pki       *pki
	etcdURL   string
	apiURL    string
	proxyAddr string

	mu    sync.Mutex
	procs []*proc

	istiod *istiodRunner
}

type proc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
}

func (g *ground) path(parts ...string) string {
	return filepath.Join(append([]string{g.dir}, parts...)...)
}

func (g *ground) kubeconfig(who string) string { return g.path(who + ".kubeconfig") }

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// spawn starts a binary of the ground with its output in logs/NAME.log. The child dies with
// the ground (Pdeathsig) even if the ground is killed without a chance to clean up.
func (g *ground) spawn(name, binary string, args []string, env []string, dir string) (*proc, error) {
	logf, err := os.Create(g.path("logs", name+".log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(binary, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	g.mu.Lock()
	g.procs = append(g.procs, p)
	g.mu.Unlock()
	return p, nil
}

func (p *proc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// shutdown stops every process, newest first (pilot-discovery and kwok before the API server,
// the API server before etcd).
func (g *ground) shutdown() {
	if g.istiod != nil {
		g.istiod.stopAll()
	}
	g.mu.Lock()
	procs := append([]*proc(nil), g.procs...)
	g.mu.Unlock()
	for i := len(procs) - 1; i >= 0; i-- {
		procs[i].stop()
	}
}

func (g *ground) dumpLogs() {
	entries, _ := os.ReadDir(g.path("logs"))
	for _, e := range entries {
		data, _ := os.ReadFile(g.path("logs", e.Name()))
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		if len(lines) > 15 {
			lines = lines[len(lines)-15:]
		}
		fmt.Fprintf(os.Stderr, "--- %s (last lines) ---\n%s\n", e.Name(), strings.Join(lines, "\n"))
	}
}

func (g *ground) binary(name string) (string, error) {
	p := filepath.Join(g.bin, name)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%s is not built (testkit/realk8s/build.sh builds it): %w", name, err)
	}
	return p, nil
}

func (g *ground) start(ctx context.Context) error {
	for _, d := range []string{"logs", "pki", "etcd", "pods"} {
		if err := os.MkdirAll(g.path(d), 0o700); err != nil {
			return err
		}
	}
	var err error
	if g.pki, err = newPKI(g.path("pki")); err != nil {
		return err
	}
	if err := g.pki.serviceAccountKey(); err != nil {
		return err
	}
	if err := g.startEtcd(ctx); err != nil {
		return err
	}
	g.istiod = newIstiodRunner(g)
	if g.proxyAddr, err = g.istiod.serveEgressProxy(); err != nil {
		return err
	}
	if err := g.startAPIServer(ctx); err != nil {
		return err
	}
	if err := g.startControllers(); err != nil {
		return err
	}
	cs, err := g.client()
	if err != nil {
		return err
	}
	if err := g.bootstrap(ctx, cs); err != nil {
		return err
	}
	if err := g.startKwok(); err != nil {
		return err
	}
	if err := waitFor(ctx, "the simulated nodes to be Ready", 60*time.Second, func() error {
		return g.nodesReady(ctx, cs)
	}); err != nil {
		return err
	}
	return g.istiod.run(ctx, cs)
}

func (g *ground) startEtcd(ctx context.Context) error {
	etcd, err := g.binary("etcd")
	if err != nil {
		return err
	}
	client, err := freePort()
	if err != nil {
		return err
	}
	peer, err := freePort()
	if err != nil {
		return err
	}
	g.etcdURL = fmt.Sprintf("http://127.0.0.1:%d", client)
	p, err := g.spawn("etcd", etcd, []string{
		"--name=ground", "--data-dir=" + g.path("etcd"),
		"--listen-client-urls=" + g.etcdURL, "--advertise-client-urls=" + g.etcdURL,
		fmt.Sprintf("--listen-peer-urls=http://127.0.0.1:%d", peer),
		fmt.Sprintf("--initial-advertise-peer-urls=http://127.0.0.1:%d", peer),
		fmt.Sprintf("--initial-cluster=ground=http://127.0.0.1:%d", peer),
		"--unsafe-no-fsync", "--log-level=warn",
	}, nil, g.dir)
	if err != nil {
		return err
	}
	return waitFor(ctx, "etcd", 30*time.Second, func() error {
		if p.exited() {
			return fatal{fmt.Errorf("etcd exited (logs/etcd.log)")}
		}
		resp, err := http.Get(g.etcdURL + "/health")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("etcd /health: %s", resp.Status)
		}
		return nil
	})
}

func (g *ground) startAPIServer(ctx context.Context) error {
	apiserver, err := g.binary("kube-apiserver")
	if err != nil {
		return err
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	g.apiURL = fmt.Sprintf("https://127.0.0.1:%d", port)
	if _, _, err := g.pki.issue("apiserver", "kube-apiserver", nil,
		[]string{"127.0.0.1", "localhost", "10.96.0.1", "kubernetes", "kubernetes.default",
			"kubernetes.default.svc", "kubernetes.default.svc.cluster.local"}); err != nil {
		return err
	}
	token := make([]byte, 16)
	_, _ = rand.Read(token)
	tok := hex.EncodeToString(token)
	if err := os.WriteFile(g.path("pki", "exec-token"), []byte(tok), 0o600); err != nil {
		return err
	}
	tokens := fmt.Sprintf("%s,%s,%s,\"system:masters\"\n", tok, ExecUser, ExecUser)
	if err := os.WriteFile(g.path("pki", "tokens.csv"), []byte(tokens), 0o600); err != nil {
		return err
	}
	egress := fmt.Sprintf(`apiVersion: apiserver.k8s.io/v1beta1
kind: EgressSelectorConfiguration
egressSelections:
- name: cluster
  connection:
    proxyProtocol: HTTPConnect
    transport:
      uds:
        udsName: %s
`, g.proxyAddr)
	if err := os.WriteFile(g.path("egress.yaml"), []byte(egress), 0o600); err != nil {
		return err
	}
	p, err := g.spawn("kube-apiserver", apiserver, []string{
		"--etcd-servers=" + g.etcdURL,
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", port),
		// The "kubernetes" Endpoints may not hold a loopback address; nothing here needs it.
		"--endpoint-reconciler-type=none",
		"--service-cluster-ip-range=10.96.0.0/16",
		"--client-ca-file=" + g.pki.path("ca.crt"),
		"--tls-cert-file=" + g.pki.path("apiserver.crt"),
		"--tls-private-key-file=" + g.pki.path("apiserver.key"),
		"--token-auth-file=" + g.pki.path("tokens.csv"),
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + g.pki.path("sa.pub"),
		"--service-account-signing-key-file=" + g.pki.path("sa.key"),
		"--authorization-mode=RBAC",
		"--allow-privileged=true",
		// Webhook services resolve to their endpoints (the pod IPs), and the "cluster" egress
		// goes through the ground's proxy, which connects the istiod pod IPs to the
		// pilot-discovery processes.
		"--enable-aggregator-routing=true",
		"--egress-selector-config-file=" + g.path("egress.yaml"),
		// PodTemplates are listed straight from etcd (no watch cache), so a test can page
		// across an etcd compaction: for cached kinds 1.36 serves the next page from the
		// cache's snapshot, compaction or not.
		"--watch-cache-sizes=podtemplates#0",
		"--profiling=false",
		"--v=1",
	}, nil, g.dir)
	if err != nil {
		return err
	}
	admin, adminKey, err := g.pki.issue("admin", "kyma-mesh-admin", []string{"system:masters"}, nil)
	if err != nil {
		return err
	}
	if err := g.writeCertKubeconfig("admin", admin, adminKey); err != nil {
		return err
	}
	restricted, restrictedKey, err := g.pki.issue("restricted", RestrictedUser, nil, nil)
	if err != nil {
		return err
	}
	if err := g.writeCertKubeconfig("restricted", restricted, restrictedKey); err != nil {
		return err
	}
	if err := g.writeExecKubeconfig(); err != nil {
		return err
	}
	pair, err := tls.X509KeyPair(admin, adminKey)
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(g.pki.caPEM)
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{pair}},
	}}
	return waitFor(ctx, "kube-apiserver /readyz", 120*time.Second, func() error {
		if p.exited() {
			return fatal{fmt.Errorf("kube-apiserver exited (logs/kube-apiserver.log)")}
		}
		resp, err := hc.Get(g.apiURL + "/readyz")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("/readyz: %s", resp.Status)
		}
		return nil
	})
}

const kubeconfigHead = `apiVersion: v1
kind: Config
clusters:
- name: kyma-mesh-ground
  cluster:
    server: %s
    certificate-authority-data: %s
contexts:
- name: kyma-mesh-ground-%s
  context:
    cluster: kyma-mesh-ground
    user: %s
current-context: kyma-mesh-ground-%s
users:
- name: %s
  user:
`

func (g *ground) writeCertKubeconfig(who string, cert, key []byte) error {
	b64 := base64.StdEncoding.EncodeToString
	text := fmt.Sprintf(kubeconfigHead, g.apiURL, b64(g.pki.caPEM), who, who, who, who) +
		fmt.Sprintf("    client-certificate-data: %s\n    client-key-data: %s\n", b64(cert), b64(key))
	return os.WriteFile(g.kubeconfig(who), []byte(text), 0o600)
}

// writeExecKubeconfig: the user is an exec credential plugin (this binary's `credential`), as
// in the kubeconfigs of EKS, GKE, AKS and Gardener's kubelogin.
func (g *ground) writeExecKubeconfig() error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	b64 := base64.StdEncoding.EncodeToString
	text := fmt.Sprintf(kubeconfigHead, g.apiURL, b64(g.pki.caPEM), "exec", "exec", "exec", "exec") +
		fmt.Sprintf(`    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: %s
      args: [credential, %s]
      interactiveMode: Never
`, self, g.pki.path("exec-token"))
	return os.WriteFile(g.kubeconfig("exec"), []byte(text), 0o600)
}

// componentKubeconfig: a client certificate for a control-plane component (its RBAC user).
func (g *ground) componentKubeconfig(who, user string) (string, error) {
	cert, key, err := g.pki.issue(who, user, nil, nil)
	if err != nil {
		return "", err
	}
	return g.kubeconfig(who), g.writeCertKubeconfig(who, cert, key)
}

func (g *ground) startControllers() error {
	kcm, err := g.binary("kube-controller-manager")
	if err != nil {
		return err
	}
	sched, err := g.binary("kube-scheduler")
	if err != nil {
		return err
	}
	kcmConf, err := g.componentKubeconfig("controller-manager", "system:kube-controller-manager")
	if err != nil {
		return err
	}
	schedConf, err := g.componentKubeconfig("scheduler", "system:kube-scheduler")
	if err != nil {
		return err
	}
	if _, err := g.spawn("kube-controller-manager", kcm, []string{
		"--kubeconfig=" + kcmConf,
		"--authentication-kubeconfig=" + kcmConf, "--authorization-kubeconfig=" + kcmConf,
		"--secure-port=0", "--leader-elect=false",
		"--use-service-account-credentials=true",
		"--service-account-private-key-file=" + g.pki.path("sa.key"),
		"--root-ca-file=" + g.pki.path("ca.crt"),
		"--cluster-signing-cert-file=" + g.pki.path("ca.crt"),
		"--cluster-signing-key-file=" + g.pki.path("ca.key"),
		"--service-cluster-ip-range=10.96.0.0/16",
		// Quicker than a real cluster's defaults, so that tests do not wait on idle timers.
		"--concurrent-deployment-syncs=10", "--concurrent-replicaset-syncs=10",
		"--v=1",
	}, nil, g.dir); err != nil {
		return err
	}
	_, err = g.spawn("kube-scheduler", sched, []string{
		"--kubeconfig=" + schedConf,
		"--authentication-kubeconfig=" + schedConf, "--authorization-kubeconfig=" + schedConf,
		"--secure-port=0", "--leader-elect=false", "--v=1",
	}, nil, g.dir)
	return err
}

func (g *ground) client() (*kubernetes.Clientset, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", g.kubeconfig("admin"))
	if err != nil {
		return nil, err
	}
	cfg.QPS, cfg.Burst = 100, 200
	return kubernetes.NewForConfig(cfg)
}

// bootstrap: the restricted user's read-only role, and the simulated nodes.
func (g *ground) bootstrap(ctx context.Context, cs *kubernetes.Clientset) error {
	role := &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: "kyma-mesh-ground-read-only"},
		Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{"", "apps", "batch", "admissionregistration.k8s.io",
				"apiextensions.k8s.io", "networking.istio.io", "security.istio.io"},
			Resources: []string{"*"},
			Verbs:     []string{"get", "list", "watch"},
		}},
	}
	if _, err := cs.RbacV1().ClusterRoles().Create(ctx, role, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create the restricted user's role: %w", err)
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "kyma-mesh-ground-read-only"},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: role.Name},
		Subjects:   []rbacv1.Subject{{APIGroup: "rbac.authorization.k8s.io", Kind: "User", Name: RestrictedUser}},
	}
	if _, err := cs.RbacV1().ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("bind the restricted user's role: %w", err)
	}
	for i := 0; i < g.nodes; i++ {
		name := fmt.Sprintf("ground-node-%d", i)
		node := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{
				Name:        name,
				Annotations: map[string]string{"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
				Labels: map[string]string{
					"kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
					"kubernetes.io/arch": "amd64", "type": "kwok",
					"topology.kubernetes.io/zone": fmt.Sprintf("zone-%d", i),
				},
			},
			Spec: corev1.NodeSpec{PodCIDR: fmt.Sprintf("10.244.%d.0/24", i), PodCIDRs: []string{fmt.Sprintf("10.244.%d.0/24", i)}},
			Status: corev1.NodeStatus{
				Allocatable: nodeResources(), Capacity: nodeResources(),
				NodeInfo: corev1.NodeSystemInfo{KubeletVersion: "v1.36.3-kwok", OperatingSystem: "linux", Architecture: "amd64"},
			},
		}
		if _, err := cs.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create node %s: %w", name, err)
		}
	}
	return nil
}

func nodeResources() corev1.ResourceList {
	return corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("64"),
		corev1.ResourceMemory: resource.MustParse("256Gi"),
		corev1.ResourcePods:   resource.MustParse("250"),
	}
}

func (g *ground) startKwok() error {
	kwok, err := g.binary("kwok")
	if err != nil {
		return err
	}
	// kwok's own "fast" stages (kwokctl's defaults): nodes become Ready and renew leases, pods
	// become Running and Ready, Job pods complete, deleted pods go away.
	stages := strings.Join([]string{nodefast.DefaultNodeInit, nodelease.DefaultNodeHeartbeatWithLease,
		podfast.DefaultPodReady, podfast.DefaultPodComplete, podfast.DefaultPodDelete}, "\n---\n")
	if err := os.WriteFile(g.path("kwok.yaml"), []byte(stages), 0o600); err != nil {
		return err
	}
	_, err = g.spawn("kwok", kwok, []string{
		"--kubeconfig=" + g.kubeconfig("admin"),
		"--config=" + g.path("kwok.yaml"),
		"--manage-all-nodes=false",
		"--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
		"--node-lease-duration-seconds=40",
		"--server-address=127.0.0.1:0",
		"--v=INFO",
	}, nil, g.dir)
	return err
}

func (g *ground) nodesReady(ctx context.Context, cs *kubernetes.Clientset) error {
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	ready := 0
	for _, n := range nodes.Items {
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
				ready++
			}
		}
	}
	if ready < g.nodes {
		return fmt.Errorf("%d of %d nodes Ready", ready, g.nodes)
	}
	return nil
}
