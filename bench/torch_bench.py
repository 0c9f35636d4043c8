"""PyTorch twins of ganbook's benchmark workloads (see bench/bench.go).

Each model mirrors ganbook's layer for layer (gan/models.go, styletransfer/):
the same widths, kernels, padding, batch norm, losses and optimiser, on random
data, with no download. Prints one JSON object: the median milliseconds per step
of each workload after warm-up, the torch version and the BLAS it runs on.

    python3 torch_bench.py --steps 10 [--device cpu|cuda] [--only dcgan64,...]
"""
import argparse
import json
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

LEAK = 0.2


def mlp_gan(noise=100, pixels=784):
    g = nn.Sequential(
        nn.Linear(noise, 256), nn.BatchNorm1d(256, momentum=0.1, eps=1e-5), nn.LeakyReLU(LEAK),
        nn.Linear(256, 512), nn.BatchNorm1d(512), nn.LeakyReLU(LEAK),
        nn.Linear(512, 1024), nn.BatchNorm1d(1024), nn.LeakyReLU(LEAK),
        nn.Linear(1024, pixels), nn.Tanh(), nn.Unflatten(1, (1, 28, 28)))
    d = nn.Sequential(
        nn.Flatten(), nn.Linear(pixels, 512), nn.LeakyReLU(LEAK),
        nn.Linear(512, 256), nn.LeakyReLU(LEAK), nn.Linear(256, 1), nn.Flatten(0))
    return g, d


def dcgan(noise=100, size=28, g_base=64, d_base=32, channels=1):
    s = size // 4
    g = nn.Sequential(
        nn.Linear(noise, s * s * g_base, bias=False), nn.Unflatten(1, (g_base, s, s)),
        nn.BatchNorm2d(g_base), nn.ReLU(),
        nn.Upsample(scale_factor=2, mode="nearest"),
        nn.Conv2d(g_base, g_base // 2, 3, padding=1, bias=False), nn.BatchNorm2d(g_base // 2), nn.ReLU(),
        nn.Upsample(scale_factor=2, mode="nearest"),
        nn.Conv2d(g_base // 2, g_base // 4, 3, padding=1, bias=False), nn.BatchNorm2d(g_base // 4), nn.ReLU(),
        nn.Conv2d(g_base // 4, channels, 3, padding=1), nn.Tanh())
    layers, c_in, c, i = [], channels, d_base, 0
    while size > 8:
        size = (size + 2 - 4) // 2 + 1
        layers.append(nn.Conv2d(c_in, c, 4, stride=2, padding=1, bias=(i == 0)))
        if i > 0:
            layers.append(nn.BatchNorm2d(c))
        layers.append(nn.LeakyReLU(LEAK))
        c_in, c, i = c, c * 2, i + 1
    layers += [nn.Flatten(), nn.Linear(c_in * size * size, 1), nn.Flatten(0)]
    return g, nn.Sequential(*layers)


class ProjectionD(nn.Module):
    """A conditional discriminator (gan.ClassProjection, Miyato & Koyama 2018):
    the DCGAN discriminator's logit plus the inner product of the class's
    embedding with the features its last layer reads."""

    def __init__(self, d, classes):
        super().__init__()
        self.body, self.head = d[:-2], d[-2]  # d ends Linear, Flatten(0)
        self.embed = nn.Linear(classes, self.head.in_features, bias=False)

    def forward(self, x, onehot):
        f = self.body(x)
        return self.head(f).squeeze(1) + (self.embed(onehot) * f).sum(1)


def cdcgan(classes=10):
    """ganbook train's default model: the DCGAN with the one-hot class appended
    to the noise (Mirza & Osindero 2014) and a projection discriminator."""
    g, d = dcgan(noise=100 + classes)
    return g, ProjectionD(d, classes)


def gan_step_fn(g, d, batch, noise, real, device, ema=0.0, classes=0, lr_d=2e-4):
    """One discriminator step then one generator step, as gan.GAN.TrainStep;
    with ema > 0, then the moving average of the generator's weights and batch
    norm statistics (gan/ema.go). With classes > 0, a conditional GAN: the
    generator reads a random class one-hot after the noise, the
    discriminator the class of each image (the real ones' evenly spread)."""
    opt_d = torch.optim.Adam(d.parameters(), lr=lr_d, betas=(0.5, 0.999), eps=1e-8)
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=1e-8)
    bce = F.binary_cross_entropy_with_logits
    ones = torch.ones(batch, device=device)
    zeros = torch.zeros(batch, device=device)

    averages = [t.detach().clone() for t in list(g.parameters()) + list(g.buffers())]
    real_classes = None
    if classes:
        real_classes = F.one_hot(torch.arange(batch, device=device) % classes, classes).float()

    def latent():
        z = torch.randn(batch, noise, device=device)
        if not classes:
            return z, None
        c = F.one_hot(torch.randint(classes, (batch,), device=device), classes).float()
        return torch.cat([z, c], 1), c

    def judge(x, c):
        return d(x, c) if classes else d(x)

    def step():
        # Discriminator phase: the generated batch carries no gradient to G.
        z, c = latent()
        fake = g(z).detach()
        loss_d = bce(judge(real, real_classes), ones) + bce(judge(fake, c), zeros)
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        # Generator phase through the frozen discriminator.
        for p in d.parameters():
            p.requires_grad_(False)
        z, c = latent()
        loss_g = bce(judge(g(z), c), ones)
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        for p in d.parameters():
            p.requires_grad_(True)
        if ema > 0:
            with torch.no_grad():
                for a, w in zip(averages, list(g.parameters()) + list(g.buffers())):
                    if a.is_floating_point():
                        a.lerp_(w, 1 - ema)
        return loss_d.item() + loss_g.item()
    return step


# VGG-19 up to conv5_1 (13 convolutions), average pooling between blocks, as
# styletransfer.Features: block sizes 2, 2, 4, 4, then conv5_1.
VGG_BLOCKS = [(64, 2), (128, 2), (256, 4), (512, 4), (512, 1)]
STYLE = ["conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1"]
CONTENT = "conv4_2"


class VGG(nn.Module):
    def __init__(self):
        super().__init__()
        self.convs, self.names, self.pool_after = nn.ModuleList(), [], []
        c_in = 3
        for b, (c, n) in enumerate(VGG_BLOCKS):
            for i in range(n):
                self.convs.append(nn.Conv2d(c_in, c, 3, padding=1))
                self.names.append(f"conv{b + 1}_{i + 1}")
                self.pool_after.append(i == n - 1 and b + 1 < len(VGG_BLOCKS))
                c_in = c
        for p in self.parameters():
            p.requires_grad_(False)
        self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1))

    def forward(self, x):
        x = (x - self.mean) / self.std
        out = {"pixels": x}
        for conv, name, pool in zip(self.convs, self.names, self.pool_after):
            x = F.relu(conv(x))
            out[name] = x
            if pool:
                x = F.avg_pool2d(x, 2)
        return out


def gram(f):
    b, c, h, w = f.shape
    f = f.reshape(b, c, h * w)
    return torch.bmm(f, f.transpose(1, 2)) / (h * w)


def style_step_fn(size, device):
    vgg = VGG().to(device)
    content = torch.rand(1, 3, size, size, device=device)
    style = torch.rand(1, 3, size, size, device=device)
    with torch.no_grad():
        target_content = vgg(content)[CONTENT]
        sf = vgg(style)
        target_grams = [gram(sf[n]) for n in ["pixels"] + STYLE]
    pixels = content.clone().requires_grad_(True)
    opt = torch.optim.Adam([pixels], lr=0.01, betas=(0.99, 0.999), eps=1e-8)

    def step():
        f = vgg(pixels)
        content_loss = F.mse_loss(f[CONTENT], target_content)
        style_loss = sum(F.mse_loss(gram(f[n]), t) for n, t in zip(["pixels"] + STYLE, target_grams)) / len(target_grams)
        tv = (pixels[:, :, 1:, :] - pixels[:, :, :-1, :]).abs().sum() + (pixels[:, :, :, 1:] - pixels[:, :, :, :-1]).abs().sum()
        loss = content_loss + 100 * style_loss + 1e-3 * tv
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            pixels.clamp_(0, 1)
        return loss.item()
    return step


def workloads(device):
    def gan(build, batch, size=28, channels=1, ema=0.0, classes=0, lr_d=2e-4):
        def make():
            g, d = build()
            g.to(device).train()
            d.to(device).train()
            real = torch.rand(batch, channels, size, size, device=device) * 2 - 1
            return gan_step_fn(g, d, batch, 100, real, device, ema, classes, lr_d)
        return make
    return {
        "mlp64": gan(mlp_gan, 64),
        "dcgan64": gan(dcgan, 64),
        "dcgan256": gan(dcgan, 256),
        "cdcgan64": gan(cdcgan, 64, ema=0.999, classes=10, lr_d=4e-4),
        "dcgan64rgb": gan(lambda: dcgan(size=64, channels=3), 64, size=64, channels=3, ema=0.999),
        "style128": lambda: style_step_fn(128, device),
        "style256": lambda: style_step_fn(256, device),
    }


def blas():
    """The BLAS-like libraries this process has loaded, from /proc/self/maps."""
    try:
        with open("/proc/self/maps") as f:
            maps = f.read()
    except OSError:
        return "unknown"
    found = []
    for line in maps.splitlines():
        path = line.split()[-1]
        name = path.rsplit("/", 1)[-1]
        if ".so" in name and any(k in name for k in ("blas", "mkl", "blis", "lapack")) and path not in found:
            found.append(path)
    return " + ".join(found) or "none found"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--only", default="")
    ap.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: torch's default)")
    args = ap.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    device = torch.device(args.device)
    result = {"torch": torch.__version__, "threads": torch.get_num_threads(), "device": args.device, "ms": {}, "cores": {}}
    wanted = [w for w in args.only.split(",") if w]
    for name, make in workloads(device).items():
        if wanted and name not in wanted:
            continue
        step = make()
        for _ in range(args.warmup):
            step()
        times = []
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for _ in range(args.steps):
            if device.type == "cuda":
                torch.cuda.synchronize()
            t0 = time.perf_counter()
            step()  # .item() inside waits for the device
            times.append((time.perf_counter() - t0) * 1000)
        result["ms"][name] = statistics.median(times)
        result["cores"][name] = (time.process_time() - cpu0) / (time.perf_counter() - wall0)
        print(f"torch {name}: {result['ms'][name]:.1f} ms", file=sys.stderr)
    result["blas"] = blas()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
