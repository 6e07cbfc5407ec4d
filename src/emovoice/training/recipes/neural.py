"""Recipes for the PyTorch networks, resumable from a checkpoint per epoch."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from emovoice.features.frontends import Frontend, MeanMfccMel, SeedLogMel
from emovoice.training.nets import TimeDistributedCnnLstm, VectorCnn, VectorLstm
from emovoice.training.recipes.base import N_CLASSES, Progress, Recipe


def training_device() -> torch.device:
    """Where networks train: the first CUDA GPU when torch sees one, else the CPU. The data order and
    the augmentation draw from the same CPU generator either way; a GPU's arithmetic differs from
    the CPU's within noise, and the fold's ``info`` says which device trained it (``trained_on``)."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def spec_augment(batch: torch.Tensor, *, generator: torch.Generator, max_freq: int = 16,
                 max_time: int = 20) -> torch.Tensor:
    """Mask one random band of mel bins and one of time columns per example (SpecAugment)."""
    out = batch.clone()
    floor = out.amin(dim=(-2, -1), keepdim=True)
    n, _, n_mels, n_time = out.shape
    for i in range(n):
        f = int(torch.randint(0, max_freq + 1, (1,), generator=generator))
        f0 = int(torch.randint(0, n_mels - f + 1, (1,), generator=generator))
        t = int(torch.randint(0, max_time + 1, (1,), generator=generator))
        t0 = int(torch.randint(0, n_time - t + 1, (1,), generator=generator))
        out[i, :, f0:f0 + f, :] = floor[i]
        out[i, :, :, t0:t0 + t] = floor[i]
    return out


@dataclass
class TorchRecipe(Recipe):
    """A network from :mod:`emovoice.training.nets` trained with Adam and cross-entropy."""

    net: str = "vector_cnn"
    epochs: int = 30
    batch_size: int = 32
    lr: float = 1e-3
    spec_augment: bool = False
    checkpoint_dir: Path | None = None
    max_epochs_this_run: int | None = None
    model_: Any = field(default=None, repr=False)
    low_: np.ndarray | None = field(default=None, repr=False)
    span_: np.ndarray | None = field(default=None, repr=False)
    epochs_done_: int = 0
    device_: str | None = None

    def frontend(self) -> Frontend:
        return SeedLogMel() if self.net == "cnn_lstm" else MeanMfccMel()

    def build_network(self, n_features: int) -> nn.Module:
        """The untrained network, as training builds it (``n_features`` is ignored by the CNN-LSTM)."""
        if self.net == "cnn_lstm":
            # channels-last convolutions run about 1.4x faster on a CPU (oneDNN)
            network: nn.Module = TimeDistributedCnnLstm().to(memory_format=torch.channels_last)  # type: ignore[call-overload]
            return network
        if self.net == "vector_cnn":
            return VectorCnn(n_features)
        return VectorLstm(n_features, sequence=self.net == "vector_lstm_seq")

    def _scale(self, X: np.ndarray) -> np.ndarray:
        if self.net == "cnn_lstm":
            return X
        assert self.low_ is not None and self.span_ is not None
        return np.asarray(((X - self.low_) / self.span_).astype(np.float32))

    def fit(self, X: np.ndarray, y: np.ndarray, groups: np.ndarray, *, clean: np.ndarray | None = None,
            progress: Progress | None = None) -> TorchRecipe:
        torch.manual_seed(self.seed)
        generator = torch.Generator().manual_seed(self.seed)
        if self.net != "cnn_lstm":
            self.low_ = X.min(axis=0)
            self.span_ = np.maximum(X.max(axis=0) - self.low_, 1e-6)
        device = training_device()
        inputs = torch.from_numpy(self._scale(X))
        targets = torch.from_numpy(y.astype(np.int64))
        self.model_ = self.build_network(X.shape[-1] if X.ndim == 2 else 0).to(device)
        self.device_ = str(device)
        optimiser = torch.optim.Adam(self.model_.parameters(), lr=self.lr, weight_decay=1e-4)
        ckpt = None if self.checkpoint_dir is None else self.checkpoint_dir / "checkpoint.pt"
        if ckpt is not None and ckpt.is_file():
            state = torch.load(ckpt, weights_only=False, map_location=device)
            self.model_.load_state_dict(state["model"])
            optimiser.load_state_dict(state["optimiser"])
            generator.set_state(state["generator"])
            self.epochs_done_ = int(state["epoch"])
        loss_fn = nn.CrossEntropyLoss()
        stop = self.epochs if self.max_epochs_this_run is None else min(
            self.epochs, self.epochs_done_ + self.max_epochs_this_run)
        for epoch in range(self.epochs_done_, stop):
            self.model_.train()
            order = torch.randperm(len(inputs), generator=generator)
            total, count = 0.0, 0
            for start in range(0, len(order), self.batch_size):
                idx = order[start:start + self.batch_size]
                batch = inputs[idx]
                if self.spec_augment:
                    batch = spec_augment(batch, generator=generator)
                loss = loss_fn(self.model_(batch.to(device)), targets[idx].to(device))
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                total += float(loss.detach()) * len(idx)
                count += len(idx)
            self.epochs_done_ = epoch + 1
            if progress is not None:
                progress(epoch=epoch + 1, loss=total / max(count, 1))
            if ckpt is not None:
                ckpt.parent.mkdir(parents=True, exist_ok=True)
                torch.save({"model": self.model_.state_dict(), "optimiser": optimiser.state_dict(),
                            "generator": generator.get_state(), "epoch": epoch + 1}, ckpt)
        return self

    @property
    def progress_total(self) -> int | None:
        return self.epochs

    @property
    def trained_on(self) -> str | None:
        return self.device_

    def use_checkpoints(self, directory: Path, *, max_epochs: int | None = None) -> None:
        self.checkpoint_dir = directory
        self.max_epochs_this_run = max_epochs

    @property
    def finished(self) -> bool:
        return self.epochs_done_ >= self.epochs

    def predict_proba(self, X: np.ndarray, *, calibrated: bool = True) -> np.ndarray:
        self.model_.eval()
        out = []
        with torch.no_grad():
            data = torch.from_numpy(self._scale(X))
            device = next(self.model_.parameters()).device
            for start in range(0, len(data), 64):
                batch = data[start:start + 64].to(device)
                out.append(torch.softmax(self.model_(batch), dim=-1).cpu().numpy())
        probs = np.concatenate(out) if out else np.zeros((0, N_CLASSES))
        return np.asarray(probs, dtype=np.float64)
