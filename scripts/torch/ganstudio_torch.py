#!/usr/bin/python3
"""The PyTorch twin of GAN Studio's DCGAN: continue a run exported with

    ganstudio export --checkpoint C --format safetensors --out DIR

on one process or many, and write checkpoints that GAN Studio opens again.

    scripts/torch/ganstudio_torch.py train --checkpoint DIR --steps 1000 --out RUN
    torchrun --nproc_per_node 2 scripts/torch/ganstudio_torch.py train --checkpoint DIR --steps 1000 --out RUN

An export folder holds config.json (GAN Studio's run configuration, the
step, the optimiser step counts, the run's random state) and one
safetensors file per state dict: generator, discriminator, generator_ema
(EMA runs), optimizer_g, optimizer_d. The twin builds the same networks
from config.json (TensorFlow's 'same' padding, BatchNorm with the biased
batch variance and decay, the seed's LeakyReLU-dropout tails), trains with
the same objective (bce, hinge or ls, label smoothing), TensorFlow's Adam
and the same data (MNIST or Fashion-MNIST idx files), and writes
RUN/step-NNNNNNN/ in the export's layout.

Several processes (torchrun; gloo on CPU, nccl on GPUs) split each batch
of config.json's batch size between them and average their gradients
before every update, which is what DistributedDataParallel does. D is
called on real and fake images separately in one step (each half has its
own BatchNorm statistics, as in GAN Studio), which DDP's hooks do not
allow, so the averaging is written out with all_reduce.

Two more commands exist for checking the twin against GAN Studio:
`replay` runs one iteration on a given batch with GAN Studio's own random
numbers (noise and dropout masks drawn as the Go engine draws them) and
prints both losses; `generate` runs G in inference mode on given noise.

Run with Debian's interpreter (/usr/bin/python3), which has python3-torch.
"""
import argparse
import base64
import gzip
import json
import math
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F

# ---------------------------------------------------------------- safetensors

NP_TYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16, "I64": np.int64}


def load_safetensors(path):
    """Returns the tensors of a safetensors file as a dict, in file order."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    body = data[8 + n:]
    out = {}
    for name, e in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        begin, end = e["data_offsets"]
        if e["dtype"] == "BF16":
            raw = np.frombuffer(body[begin:end], dtype="<u2").astype(np.uint32) << 16
            arr = raw.view(np.float32)
        elif e["dtype"] in NP_TYPES:
            arr = np.frombuffer(body[begin:end], dtype=np.dtype(NP_TYPES[e["dtype"]]).newbyteorder("<"))
        else:
            raise SystemExit(f"{path}: tensor {name} has dtype {e['dtype']}, which the twin does not read")
        out[name] = torch.from_numpy(arr.copy().reshape(e["shape"]))
    return out


def save_safetensors(path, tensors, metadata=None):
    """Writes a dict of tensors (float32 or int64) atomically."""
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        t = t.detach().cpu().contiguous()
        dtype = {torch.float32: "F32", torch.int64: "I64"}[t.dtype]
        b = t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        chunks.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    write_atomic(path, struct.pack("<Q", len(h)) + h + b"".join(chunks))


def write_atomic(path, data):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path) or ".", prefix="." + os.path.basename(path))
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


# ---------------------------------------------------------------- GAN Studio's random numbers

M64 = (1 << 64) - 1
M128 = (1 << 128) - 1
PCG_MUL = (2549297995355413924 << 64) | 4865540595714422341
PCG_INC = (6364136223846793005 << 64) | 1442695040888963407


class GoPCG:
    """Go's math/rand/v2 PCG (128-bit LCG, DXSM output): the generator a
    GAN Studio run draws its noise and dropout keys from."""

    def __init__(self, state: bytes):
        if len(state) != 20 or state[:4] != b"pcg:":
            raise SystemExit("config.json: rng is not a Go PCG state")
        hi, lo = struct.unpack(">QQ", state[4:])
        self.s = (hi << 64) | lo

    def state(self) -> bytes:
        return b"pcg:" + struct.pack(">QQ", self.s >> 64, self.s & M64)

    def uint64(self):
        self.s = (self.s * PCG_MUL + PCG_INC) & M128
        hi, lo = self.s >> 64, self.s & M64
        hi ^= hi >> 32
        hi = (hi * 0xDA942042E4DD58B5) & M64
        hi ^= hi >> 48
        return (hi * (lo | 1)) & M64

    def uniform(self, n):
        """The seed's noise, n values in [-1, 1) as GAN Studio draws them."""
        return np.array([(self.uint64() >> 11) / (1 << 53) * 2 - 1 for _ in range(n)], dtype=np.float64).astype(np.float32)


GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def go_dropout_mask(key, n, keep):
    """GAN Studio's dropout mask for one forward run: element i keeps when
    32 bits of SplitMix64(key + (i//2 + 1)·golden) are below keep·2³²
    (low half for even i, high half for odd i); kept elements are 1/keep."""
    with np.errstate(over="ignore"):
        k = np.arange(1, (n + 1) // 2 + 1, dtype=np.uint64)
        z = np.uint64(key) + k * GOLDEN
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    bits = np.empty(2 * len(z), dtype=np.uint64)
    bits[0::2], bits[1::2] = z & np.uint64(0xFFFFFFFF), z >> np.uint64(32)
    keep32 = np.float32(keep)
    thr = np.uint64(round(float(keep32) * (1 << 32)))
    return np.where(bits[:n] < thr, np.float32(1) / keep32, np.float32(0)).astype(np.float32)


class Dropout:
    """The dropout of one iteration: PyTorch's own, or with `pcg` GAN
    Studio's exact masks, one key drawn per dropout layer run."""

    def __init__(self, keep, pcg=None):
        self.keep, self.pcg = keep, pcg

    def __call__(self, x, training):
        if not training or self.keep >= 1:
            return x
        if self.pcg is None:
            return F.dropout(x, 1 - self.keep, True)
        mask = go_dropout_mask(self.pcg.uint64(), x.numel(), self.keep)
        return x * torch.from_numpy(mask).view_as(x)


# ---------------------------------------------------------------- the networks


def same_pads(size, k, stride):
    """TensorFlow's 'same' padding of a convolution: (before, after)."""
    out = -(-size // stride)
    total = max((out - 1) * stride + k - size, 0)
    return total // 2, total - total // 2


class SpectralNorm:
    """Spectral normalisation as GAN Studio runs it (model/spectral.go):
    the layer reads W/σ with σ = uᵀWv, W seen as [dim 0, the rest]; u and
    v are constants of an iteration (so the gradient flows through σ, as in
    Miyato et al.'s code), and one power iteration at the start of each
    training iteration moves them. They are buffers, sn_u and sn_v, saved
    with the weights. torch.nn.utils.spectral_norm would iterate on every
    forward, three times an iteration here."""

    def init_spectral(self, on):
        self.spectral = on
        if on:
            rows = self.weight.shape[0]
            self.register_buffer("sn_u", torch.zeros(rows))
            self.register_buffer("sn_v", torch.zeros(self.weight[0].numel()))

    def normalized(self):
        if not self.spectral:
            return self.weight
        w = self.weight
        return w / torch.dot(self.sn_u, w.flatten(1) @ self.sn_v)

    @torch.no_grad()
    def power_iteration(self):
        w = self.weight.flatten(1)
        self.sn_v.copy_(F.normalize(w.t() @ self.sn_u, dim=0, eps=1e-12))
        self.sn_u.copy_(F.normalize(w @ self.sn_v, dim=0, eps=1e-12))


class Conv(nn.Conv2d, SpectralNorm):
    """A convolution with TensorFlow's 'same' padding."""

    def __init__(self, cin, cout, k, stride, bias=True, spectral=False):
        super().__init__(cin, cout, k, stride, bias=bias)
        self.init_spectral(spectral)

    def forward(self, x):
        (t, b), (l, r) = same_pads(x.shape[2], self.kernel_size[0], self.stride[0]), same_pads(x.shape[3], self.kernel_size[1], self.stride[1])
        return F.conv2d(F.pad(x, (l, r, t, b)), self.normalized(), self.bias, self.stride)


class Linear(nn.Linear, SpectralNorm):
    def __init__(self, cin, cout, spectral=False):
        super().__init__(cin, cout)
        self.init_spectral(spectral)

    def forward(self, x):
        return F.linear(x, self.normalized(), self.bias)


class Embedding(nn.Embedding, SpectralNorm):
    def __init__(self, k, f, spectral=False):
        super().__init__(k, f)
        self.init_spectral(spectral)


class ConvT(nn.ConvTranspose2d):
    """A transposed convolution with TensorFlow's 'same' (output = input ×
    stride) or 'valid' padding: the full output, cropped as TF crops it."""

    def __init__(self, cin, cout, k, stride, same, bias):
        super().__init__(cin, cout, k, stride, bias=bias)
        self.same = same

    def forward(self, x):
        y = F.conv_transpose2d(x, self.weight, self.bias, self.stride)
        if not self.same:
            return y
        h, w = x.shape[2] * self.stride[0], x.shape[3] * self.stride[1]
        t, l = (y.shape[2] - h) // 2, (y.shape[3] - w) // 2
        return y[:, :, t:t + h, l:l + w]


class BatchNorm(nn.BatchNorm2d):
    """BatchNorm as GAN Studio (and TensorFlow) run it: the running variance
    follows the biased batch variance, with decay (= 1 − momentum)."""

    def forward(self, x):
        if not self.training:
            return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, False, 0.0, self.eps)
        mean = x.mean((0, 2, 3))
        var = x.var((0, 2, 3), unbiased=False)
        with torch.no_grad():
            self.running_mean.mul_(1 - self.momentum).add_(mean.detach() * self.momentum)
            self.running_var.mul_(1 - self.momentum).add_(var.detach() * self.momentum)
            self.num_batches_tracked += 1
        inv = torch.rsqrt(var + self.eps)
        return (x - mean[None, :, None, None]) * (self.weight * inv)[None, :, None, None] + self.bias[None, :, None, None]


class Generator(nn.Module):
    def __init__(self, m):
        super().__init__()
        w, k, bn = m["width"], m.get("classes", 0), dict(eps=m["batchnorm_epsilon"], momentum=1 - m["batchnorm_decay"])
        self.m, self.w = m, w
        if m["image_size"] == 64:  # Radford et al.'s generator
            self.project = nn.Linear(m["noise_size"] + k, 16 * w, bias=False)
            self.bn0 = BatchNorm(w, **bn)
            self.up1, self.bn1 = ConvT(w, w // 2, 4, 2, True, False), BatchNorm(w // 2, **bn)
            self.up2, self.bn2 = ConvT(w // 2, w // 4, 4, 2, True, False), BatchNorm(w // 4, **bn)
            self.up3, self.bn3 = ConvT(w // 4, w // 8, 4, 2, True, False), BatchNorm(w // 8, **bn)
            self.to_image = ConvT(w // 8, m["channels"], 4, 2, True, True)
            return
        cifar = m["image_size"] == 32
        self.project = nn.Linear(m["noise_size"] + k, 16 * w, bias=False)
        self.bn0 = BatchNorm(w, **bn)
        self.up1 = ConvT(w, w // 2, 4, 2 if cifar else 1, cifar, False)
        self.bn1 = BatchNorm(w // 2, **bn)
        self.up2 = ConvT(w // 2, w // 4, 3, 2, True, False)
        self.bn2 = BatchNorm(w // 4, **bn)
        self.to_image = ConvT(w // 4, m["channels"], 3, 2, True, True)

    def forward(self, z, y, drop):
        act = lambda x: drop(F.leaky_relu(x, self.m["leaky_relu_alpha"]), self.training)  # noqa: E731
        if y is not None:
            z = torch.cat([z, y], 1)                      # [n, nz+K]
        x = self.project(z).view(-1, self.w, 4, 4)        # [n, w, 4, 4]
        if self.m["image_size"] == 64:
            x = F.relu(self.bn0(x))                       # [n, w, 4, 4]
            x = F.relu(self.bn1(self.up1(x)))             # [n, w/2, 8, 8]
            x = F.relu(self.bn2(self.up2(x)))             # [n, w/4, 16, 16]
            x = F.relu(self.bn3(self.up3(x)))             # [n, w/8, 32, 32]
            return torch.tanh(self.to_image(x))           # [n, c, 64, 64]
        x = act(self.bn0(x))                              # [n, w, 4, 4]
        x = act(self.bn1(self.up1(x)))                    # [n, w/2, 7, 7]   (CIFAR: 8×8)
        x = act(self.bn2(self.up2(x)))                    # [n, w/4, 14, 14] (CIFAR: 16×16)
        return torch.tanh(self.to_image(x))               # [n, c, 28, 28]   (CIFAR: 32×32)


class Discriminator(nn.Module):
    def __init__(self, m):
        super().__init__()
        w, k, bn = m["width"], m.get("classes", 0), dict(eps=m["batchnorm_epsilon"], momentum=1 - m["batchnorm_decay"])
        sn = bool(m.get("spectral_norm"))
        # A spectrally normalised D has a bias where the seed's has BatchNorm.
        hidden = lambda cin, cout, kk: (Conv(cin, cout, kk, 2, bias=sn, spectral=sn),  # noqa: E731
                                        nn.Identity() if sn else BatchNorm(cout, **bn))
        self.m = m
        if m["image_size"] == 64:  # Radford et al.'s discriminator
            self.conv1 = Conv(m["channels"], w // 8, 4, 2, spectral=sn)
            self.conv2, self.bn2 = hidden(w // 8, w // 4, 4)
            self.conv3, self.bn3 = hidden(w // 4, w // 2, 4)
            self.conv4, self.bn4 = hidden(w // 2, w, 4)
        else:
            self.conv1 = Conv(m["channels"], w // 4, 3, 2, spectral=sn)
            self.conv2, self.bn2 = hidden(w // 4, w // 2, 3)
            self.conv3, self.bn3 = hidden(w // 2, w, 3)
        self.classify = Linear(16 * w, 1, spectral=sn)
        self.embed = Embedding(k, 16 * w, spectral=sn) if k else None

    def power_iteration(self):
        """One power iteration of every spectrally normalised layer."""
        for mod in self.modules():
            if isinstance(mod, SpectralNorm) and mod.spectral:
                mod.power_iteration()

    def forward(self, img, y, drop):
        act = lambda x: drop(F.leaky_relu(x, self.m["leaky_relu_alpha"]), self.training)  # noqa: E731
        x = act(self.conv1(img))                          # [n, w/4, 14, 14] (CIFAR: 16×16; 64×64: w/8, 32×32)
        x = act(self.bn2(self.conv2(x)))                  # [n, w/2, 7, 7]   (CIFAR: 8×8; 64×64: w/4, 16×16)
        x = act(self.bn3(self.conv3(x)))                  # [n, w, 4, 4]     (64×64: w/2, 8×8)
        if self.m["image_size"] == 64:
            x = act(self.bn4(self.conv4(x)))              # [n, w, 4, 4]
        x = x.flatten(1)                                  # [n, 16w]
        logit = self.classify(x)                          # [n, 1]
        if y is None:
            return logit
        return logit + (x * (y @ self.embed.normalized())).sum(1, keepdim=True)  # + ⟨embed(y), features⟩


# ---------------------------------------------------------------- objective and optimiser


def loss_terms(kind, r):
    """D's loss on real logits, D's on fake logits, G's on fake logits."""
    bce = lambda d, t: F.binary_cross_entropy_with_logits(d, torch.full_like(d, t))  # noqa: E731
    if kind == "hinge":
        return (lambda d: F.relu(1 - d).mean()), (lambda d: F.relu(1 + d).mean()), (lambda d: -d.mean())
    if kind == "ls":
        return (lambda d: 0.5 * ((d - r) ** 2).mean()), (lambda d: 0.5 * (d ** 2).mean()), (lambda d: 0.5 * ((d - r) ** 2).mean())
    return (lambda d: bce(d, r)), (lambda d: bce(d, 0.0)), (lambda d: bce(d, r))


class TFAdam:
    """TensorFlow's Adam, whose state GAN Studio saves: the bias
    corrections are folded into the step size, and epsilon is added to
    sqrt(v) without correction ("epsilon hat")."""

    def __init__(self, module, lr, b1, b2, state, steps, eps=1e-8):
        self.params = list(module.named_parameters())
        self.lr, self.b1, self.b2, self.eps, self.steps = lr, b1, b2, eps, steps
        self.m = {n: state[n + ".exp_avg"].clone() for n, _ in self.params}
        self.v = {n: state[n + ".exp_avg_sq"].clone() for n, _ in self.params}

    @torch.no_grad()
    def step(self):
        self.steps += 1
        t = self.steps
        lr = self.lr * math.sqrt(1 - self.b2 ** t) / (1 - self.b1 ** t)
        for n, p in self.params:
            g, m, v = p.grad, self.m[n], self.v[n]
            m.mul_(self.b1).add_(g, alpha=1 - self.b1)
            v.mul_(self.b2).addcmul_(g, g, value=1 - self.b2)
            p.sub_(lr * m / (v.sqrt() + self.eps))

    def state(self):
        out = {}
        for n, _ in self.params:
            out[n + ".exp_avg"], out[n + ".exp_avg_sq"] = self.m[n], self.v[n]
        return out


# ---------------------------------------------------------------- a run


class Run:
    """An exported run: configuration, networks, optimisers."""

    def __init__(self, folder):
        with open(os.path.join(folder, "config.json")) as f:
            self.meta = json.load(f)
        if self.meta.get("format") != "ganstudio-torch":
            raise SystemExit(f"{folder}/config.json is not a GAN Studio export (format {self.meta.get('format')!r})")
        self.cfg = self.meta["config"]
        m = self.cfg["model"]
        if m.get("augment"):
            raise SystemExit(f"this run uses DiffAugment ({m['augment']}), which the twin does not implement: continue it in GAN Studio")
        load = lambda name: load_safetensors(os.path.join(folder, name + ".safetensors"))  # noqa: E731
        self.G, self.D = Generator(m), Discriminator(m)
        self.G.load_state_dict(load("generator"))
        self.D.load_state_dict(load("discriminator"))
        self.ema = None
        if self.cfg.get("ema_decay", 0) > 0:
            self.ema = Generator(m)
            self.ema.load_state_dict(load("generator_ema"))
            self.ema.eval()
        c = self.cfg
        self.opt_g = TFAdam(self.G, c["learn_rate_g"], c["beta1"], c["beta2"], load("optimizer_g"), self.meta["adam_steps_g"])
        self.opt_d = TFAdam(self.D, c["learn_rate_d"], c["beta1"], c["beta2"], load("optimizer_d"), self.meta["adam_steps_d"])
        self.step = self.meta["step"]
        self.classes = m.get("classes", 0)
        self.on_real, self.on_fake, self.for_g = loss_terms(m.get("loss") or "bce", 1 - c["label_smoothing"])

    def onehot(self, labels):
        if not self.classes:
            return None
        return F.one_hot(labels, self.classes).float()

    def iterate(self, real, z, y, drop, world=1):
        """One iteration, as GAN Studio's trainer runs it. Returns (D loss, G loss)."""
        self.G.train()
        self.D.train()
        # ---- spectral norm (SN runs): one power iteration re-estimates σ of D's weights ----
        self.D.power_iteration()
        # ---- update G: make D call the fakes real ----
        self.G.zero_grad(set_to_none=True)
        g_loss = self.for_g(self.D(self.G(z, y, drop), y, drop))
        g_loss.backward()
        average_gradients(self.G, world)
        self.opt_g.step()
        # ---- update D: tell the real batch from fresh fakes of the same noise ----
        self.D.zero_grad(set_to_none=True)
        with torch.no_grad():
            fake = self.G(z, y, drop)
        d_loss = self.on_real(self.D(real, y, drop)) + self.on_fake(self.D(fake, y, drop))
        d_loss.backward()
        average_gradients(self.D, world)
        self.opt_d.step()
        # ---- average G (EMA runs) ----
        self.step += 1
        if self.ema is not None:
            d = min(self.cfg["ema_decay"], (1 + self.step) / (10 + self.step))
            with torch.no_grad():
                for a, b in zip(self.ema.parameters(), self.G.parameters()):
                    a.mul_(d).add_(b, alpha=1 - d)
                for name, buf in self.ema.named_buffers():
                    if name.endswith(("running_mean", "running_var")):
                        buf.mul_(d).add_(dict(self.G.named_buffers())[name], alpha=1 - d)
        return d_loss.item(), g_loss.item()

    def save(self, folder, processes):
        os.makedirs(folder, exist_ok=True)
        for name, sd in (("generator", self.G.state_dict()), ("discriminator", self.D.state_dict()),
                         ("optimizer_g", self.opt_g.state()), ("optimizer_d", self.opt_d.state())):
            save_safetensors(os.path.join(folder, name + ".safetensors"), sd)
        if self.ema is not None:
            save_safetensors(os.path.join(folder, "generator_ema.safetensors"), self.ema.state_dict())
        meta = dict(self.meta, step=self.step, adam_steps_g=self.opt_g.steps, adam_steps_d=self.opt_d.steps,
                    trained_by=f"PyTorch twin {torch.__version__}, {processes} process(es)")
        write_atomic(os.path.join(folder, "config.json"), json.dumps(meta, indent=1).encode())


def average_gradients(module, world):
    """What DistributedDataParallel does before each update."""
    if world == 1:
        return
    for p in module.parameters():
        if p.grad is not None:
            dist.all_reduce(p.grad)
            p.grad /= world


# ---------------------------------------------------------------- data


def go_modcache():
    try:
        return subprocess.run(["go", "env", "GOMODCACHE"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return os.path.expanduser("~/go/pkg/mod")


FASHION = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def data_folder(spec, given):
    """Where the idx files of a data set are: --data, the run's own path,
    or where GAN Studio finds them offline."""
    name = spec.get("Name", "")
    if given or spec.get("Path"):
        return given or spec["Path"]
    if name == "mnist":
        return os.path.join(go_modcache(), "github.com/petar/!go!m!n!i!s!t@v0.0.0-20150320212226-2fbe10d0fa63/data")
    if name == "fashion-mnist":
        return "/usr/share/datasets/fashion-mnist"
    raise SystemExit(f"data set {name!r}: the twin reads MNIST and Fashion-MNIST idx files; continue other runs in GAN Studio")


def read_idx(folder, stem):
    for name in (stem, stem + ".gz"):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            with (gzip.open if name.endswith(".gz") else open)(path, "rb") as f:
                return f.read()
    raise SystemExit(f"{folder}: no {stem}[.gz]; give the data set's folder with --data")


def load_data(spec, folder):
    """The training images in [-1, 1] and their labels, as GAN Studio reads
    them: TF's held-out images first removed, then the class filter."""
    img = read_idx(folder, "train-images-idx3-ubyte")
    lab = read_idx(folder, "train-labels-idx1-ubyte")
    n = struct.unpack(">I", img[4:8])[0]
    x = np.frombuffer(img[16:], dtype=np.uint8).reshape(n, 1, 28, 28)
    y = np.frombuffer(lab[8:], dtype=np.uint8).astype(np.int64)
    hold = spec.get("HoldOut", 0)
    x, y = x[hold:], y[hold:]
    keep = spec.get("Classes")
    if keep:
        names = [n.lower() for n in FASHION] if spec.get("Name") == "fashion-mnist" else []
        idx = [int(c) if str(c).isdigit() else names.index(c.lower()) if c.lower() in names else None for c in keep]
        if None in idx:
            raise SystemExit(f"class filter {keep}: the twin knows classes by number, and Fashion-MNIST's by name")
        sel = np.isin(y, idx)
        x, y = x[sel], y[sel]
    return torch.from_numpy(x.astype(np.float32) / np.float32(127.5) - 1), torch.from_numpy(y)


# ---------------------------------------------------------------- commands


def cmd_train(a):
    world, rank = int(os.environ.get("WORLD_SIZE", "1")), int(os.environ.get("RANK", "0"))
    if world > 1:
        dist.init_process_group("nccl" if torch.cuda.is_available() and a.device == "cuda" else "gloo")
    torch.set_num_threads(a.threads)
    run = Run(a.checkpoint)
    device = torch.device(a.device)
    run.G.to(device)
    run.D.to(device)
    batch = run.cfg["batch_size"]
    if batch % world:
        raise SystemExit(f"batch size {batch} does not split between {world} processes: use a number of processes that divides it")
    x, labels = load_data(run.cfg["data"], data_folder(run.cfg["data"], a.data))
    per_epoch = len(x) // batch
    end = run.step + a.steps
    gen = torch.Generator().manual_seed(run.cfg["seed"] * 1000003 + run.step)
    perm = torch.randperm(len(x), generator=gen)
    drop = Dropout(run.cfg["model"]["dropout_keep_prob"])
    nz = run.cfg["model"]["noise_size"]
    torch.manual_seed(run.cfg["seed"] * 7919 + rank * 104729 + run.step)
    while run.step < end:
        i = run.step % per_epoch
        if i == 0:
            perm = torch.randperm(len(x), generator=gen)
        idx = perm[i * batch:(i + 1) * batch][rank::world]  # this process's share of the batch
        real, y = x[idx].to(device), run.onehot(labels[idx].to(device))
        z = (torch.rand(len(idx), nz, device=device) * 2 - 1)
        d_loss, g_loss = run.iterate(real, z, y, drop, world)
        if rank == 0 and (run.step % a.log_every == 0 or run.step == end):
            print(f"step {run.step}/{end}  D loss {d_loss:.3f}  G loss {g_loss:.3f}", flush=True)
        if rank == 0 and (run.step == end or (a.checkpoint_every and run.step % a.checkpoint_every == 0)):
            folder = os.path.join(a.out, f"step-{run.step:07d}")
            run.G.cpu(), run.D.cpu()
            run.save(folder, world)
            run.G.to(device), run.D.to(device)
            print(f"checkpoint {folder}", flush=True)
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()


def cmd_replay(a):
    """One iteration on the batch in --inputs, with GAN Studio's noise and
    dropout masks drawn from the export's random state."""
    torch.set_num_threads(a.threads)
    run = Run(a.checkpoint)
    inputs = load_safetensors(a.inputs)
    pcg = GoPCG(base64.b64decode(run.meta["rng"]))
    real = inputs["real"]
    n, nz = real.shape[0], run.cfg["model"]["noise_size"]
    z = torch.from_numpy(pcg.uniform(n * nz).reshape(n, nz))
    noise_diff = (z - inputs["noise"]).abs().max().item() if "noise" in inputs else None
    y = run.onehot(inputs["labels"]) if "labels" in inputs else None
    d_loss, g_loss = run.iterate(real, z, y, Dropout(run.cfg["model"]["dropout_keep_prob"], pcg))
    json.dump({"d_loss": d_loss, "g_loss": g_loss, "noise_max_diff": noise_diff, "step": run.step}, sys.stdout)
    print()


def cmd_generate(a):
    run = Run(a.checkpoint)
    inputs = load_safetensors(a.noise)
    g = run.ema if (run.ema is not None and not a.trained) else run.G
    g.eval()
    y = run.onehot(inputs["labels"]) if "labels" in inputs else None
    with torch.no_grad():
        out = g(inputs["noise"], y, Dropout(1))
    save_safetensors(a.out, {"images": out})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="continue an exported run")
    t.add_argument("--checkpoint", required=True, help="an export folder (config.json and safetensors files)")
    t.add_argument("--steps", type=int, required=True, help="iterations to train")
    t.add_argument("--out", required=True, help="folder for the checkpoints, step-NNNNNNN/ each")
    t.add_argument("--data", help="folder of the data set's idx files (default: where GAN Studio finds them)")
    t.add_argument("--checkpoint-every", type=int, default=0)
    t.add_argument("--log-every", type=int, default=10)
    t.add_argument("--threads", type=int, default=max(1, (os.cpu_count() or 2) // int(os.environ.get("WORLD_SIZE", "1"))))
    t.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    r = sub.add_parser("replay", help="one iteration with GAN Studio's random numbers; prints the losses")
    r.add_argument("--checkpoint", required=True)
    r.add_argument("--inputs", required=True, help="safetensors with real [n,c,s,s], noise [n,nz] and, conditional, labels [n]")
    r.add_argument("--threads", type=int, default=2)
    g = sub.add_parser("generate", help="G in inference mode on given noise")
    g.add_argument("--checkpoint", required=True)
    g.add_argument("--noise", required=True, help="safetensors with noise [n,nz] and, conditional, labels [n]")
    g.add_argument("--out", required=True)
    g.add_argument("--trained", action="store_true", help="the trained G, not the average (EMA runs)")
    a = ap.parse_args()
    {"train": cmd_train, "replay": cmd_replay, "generate": cmd_generate}[a.cmd](a)


if __name__ == "__main__":
    main()
