"""Neural network architectures (PyTorch; training only).

Each network is defined once here; training fits it and exports it to ONNX,
and serving runs the ONNX file with onnxruntime, never importing torch.
"""

from __future__ import annotations

import torch
from torch import nn

N_CLASSES = 8


class LocalFeatureBlock(nn.Module):
    """Conv 3x3, batch norm, ELU, max-pool and dropout: one "local feature learning block".

    The ELU runs after the max-pool: ELU is increasing, so ELU then max-pool and
    max-pool then ELU give the same values and gradients, and the ELU then touches
    4-16 times fewer elements (a third less time per training step on a CPU).
    """

    def __init__(self, in_channels: int, out_channels: int, pool: int, dropout: float) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1),
            nn.BatchNorm2d(out_channels),
            nn.MaxPool2d(kernel_size=pool, stride=pool),
            nn.ELU(),
            nn.Dropout(dropout),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.body(x)
        return out


class TimeDistributedCnnLstm(nn.Module):
    """The seed's time-distributed CNN-LSTM.

    Input ``(batch, 5, 128, 128)`` log-mel frames (dB); four local feature
    learning blocks (64, 64, 128, 128 filters; pools 2, 4, 4, 4) run on each
    frame, an LSTM of 256 reads the five frame vectors, and a linear layer
    gives the logits of the 8 emotions.
    """

    def __init__(self, *, dropout: float = 0.2, lstm_units: int = 256,
                 n_classes: int = N_CLASSES) -> None:
        super().__init__()
        self.input_norm = nn.BatchNorm2d(1)
        self.blocks = nn.Sequential(
            LocalFeatureBlock(1, 64, 2, dropout),
            LocalFeatureBlock(64, 64, 4, dropout),
            LocalFeatureBlock(64, 128, 4, dropout),
            LocalFeatureBlock(128, 128, 4, dropout),
        )
        self.lstm = nn.LSTM(128, lstm_units, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(lstm_units, n_classes)

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        batch, steps, height, width = frames.shape
        x = frames.reshape(batch * steps, 1, height, width)
        x = self.blocks(self.input_norm(x))
        x = x.reshape(batch, steps, -1)
        out, _ = self.lstm(x)
        logits: torch.Tensor = self.classifier(self.dropout(out[:, -1]))
        return logits


class VectorCnn(nn.Module):
    """1-D CNN over a feature vector read as a sequence (second seed's baseline)."""

    def __init__(self, n_features: int, *, n_classes: int = N_CLASSES, dropout: float = 0.2) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv1d(1, 64, kernel_size=5, padding=2), nn.ReLU(),
            nn.Conv1d(64, 128, kernel_size=5, padding=2), nn.ReLU(),
            nn.MaxPool1d(4), nn.Dropout(dropout),
            nn.Conv1d(128, 128, kernel_size=5, padding=2), nn.ReLU(),
            nn.AdaptiveAvgPool1d(8), nn.Flatten(), nn.Dropout(dropout),
            nn.Linear(128 * 8, n_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.body(x.unsqueeze(1))
        return out


class VectorLstm(nn.Module):
    """LSTM over a feature vector (second seed's baseline).

    Parameters
    ----------
    n_features : int
        Length of the input vector.
    sequence : bool
        False: the vector is one time step of ``n_features`` inputs (Keras's
        ``input_shape=(1, n)`` form). True: it is read as ``n_features`` steps of
        one scalar each (``input_shape=(n, 1)``), the outputs averaged over the
        steps; on RAVDESS this form stays near chance (see the evaluation table).
    """

    def __init__(self, n_features: int, *, sequence: bool = False, n_classes: int = N_CLASSES,
                 units: int = 128, dropout: float = 0.2) -> None:
        super().__init__()
        self.sequence = sequence
        self.lstm = nn.LSTM(1 if sequence else n_features, units, batch_first=True)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(units, n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(x.unsqueeze(-1) if self.sequence else x.unsqueeze(1))
        # the mean over steps rather than the last step: 141 steps are too long for the
        # last state alone to carry the gradient
        logits: torch.Tensor = self.head(out.mean(dim=1))
        return logits
