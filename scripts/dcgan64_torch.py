#!/usr/bin/python3
"""The 64×64 speed peer: PyTorch's examples/dcgan network (nz 100,
ngf = ndf = 64, 3 channels, batch 64) and its training iteration, timed on
the CPU. scripts/bench-vs-torch.sh runs it against `ganstudio bench
--preset dcgan64-cifar10`.

examples/dcgan's iteration draws G's fakes once and reuses them in the G
step; GAN Studio's (the seed tutorial's) draws them again after the G
update, one G forward more. --fresh-fake times that variant too.

usage: scripts/dcgan64_torch.py [--iters 30] [--threads 2] [--json FILE]
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn

nz, ngf, ndf, nc = 100, 64, 64, 3


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 8), nn.ReLU(True),      # 4×4
            nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),  # 8×8
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),  # 16×16
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),          # 32×32
            nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh())                                        # 64×64

    def forward(self, z):
        return self.main(z)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),                                 # 32×32
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, inplace=True),   # 16×16
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 4), nn.LeakyReLU(0.2, inplace=True),  # 8×8
            nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 8), nn.LeakyReLU(0.2, inplace=True),  # 4×4
            nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False))                                                                # 1×1

    def forward(self, x):
        return self.main(x).view(-1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iters", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--fresh-fake", action="store_true", help="draw the fakes again for the D step, as GAN Studio does")
    ap.add_argument("--bf16", action="store_true",
                    help="mixed precision as the peer's --bf16: the iteration under torch.autocast('cpu', bfloat16); weights, Adam and losses stay float32")
    ap.add_argument("--json", help="append the result as one JSON line")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    G, D = Generator(), Discriminator()
    optG = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    optD = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    B = a.batch
    real = torch.rand(B, nc, 64, 64) * 2 - 1
    ones, zeros = torch.ones(B), torch.zeros(B)
    times = []
    for it in range(a.warmup + a.iters):
        t0 = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.bf16):
            iterate(a, G, D, optG, optD, bce, real, ones, zeros)
        if it >= a.warmup:
            times.append((time.perf_counter() - t0) * 1000)
    res = {"peer": "examples/dcgan 64x64", "fresh_fake": a.fresh_fake, "bf16": a.bf16, "batch": B, "threads": a.threads,
           "ms_iter_median": statistics.median(times), "torch": torch.__version__}
    print(json.dumps(res))
    if a.json:
        with open(a.json, "a") as f:
            f.write(json.dumps(res) + "\n")


def iterate(a, G, D, optG, optD, bce, real, ones, zeros):
    """One iteration of examples/dcgan's loop."""
    B = a.batch
    z = torch.randn(B, nz, 1, 1)
    # ---- update D ----
    D.zero_grad()
    fake = G(z)
    d_loss = bce(D(real), ones) + bce(D(fake.detach()), zeros)
    d_loss.backward()
    optD.step()
    # ---- update G ----
    G.zero_grad()
    if a.fresh_fake:
        fake = G(z)
    g_loss = bce(D(fake), ones)
    g_loss.backward()
    optG.step()


if __name__ == "__main__":
    main()
