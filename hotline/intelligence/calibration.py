"""Turning scores into calibrated probabilities: temperature (and class-bias) scaling, reliability measures."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, numerically stable."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class Calibration:
    """p = softmax(temperature_inverse · score + bias); fitted by minimising the log loss."""

    inverse_temperature: float
    bias: tuple[float, ...]
    method: str

    def apply(self, scores: np.ndarray) -> np.ndarray:
        """Calibrated probabilities for a score matrix."""
        return softmax(scores * self.inverse_temperature + np.asarray(self.bias))


def log_loss(probabilities: np.ndarray, targets: np.ndarray) -> float:
    """Mean negative log-likelihood of the true classes."""
    picked = probabilities[np.arange(len(targets)), targets]
    return float(-np.mean(np.log(np.clip(picked, 1e-12, None))))


def fit_calibration(scores: np.ndarray, targets: np.ndarray, *, with_bias: bool = False) -> Calibration:
    """Fit an inverse temperature (and optionally per-class biases) on held-out scores by maximum likelihood."""
    n_classes = scores.shape[1]
    onehot = np.eye(n_classes)[targets]

    def objective(params: np.ndarray) -> tuple[float, np.ndarray]:
        """Log loss and its gradient in (log inverse temperature, biases)."""
        scale = np.exp(params[0])
        bias = params[1:] if with_bias else np.zeros(n_classes)
        probs = softmax(scores * scale + bias)
        loss = -np.mean(np.sum(onehot * np.log(np.clip(probs, 1e-12, None)), axis=1))
        residual = (probs - onehot) / len(targets)
        grad_scale = np.sum(residual * scores) * scale
        grads = [grad_scale] + (list(residual.sum(axis=0)) if with_bias else [])
        return float(loss), np.asarray(grads)

    start = np.zeros(1 + (n_classes if with_bias else 0))
    result = minimize(objective, start, jac=True, method="L-BFGS-B")
    bias = result.x[1:] - result.x[1:].mean() if with_bias else np.zeros(n_classes)
    method = "temperature+bias" if with_bias else "temperature"
    return Calibration(float(np.exp(result.x[0])), tuple(float(b) for b in bias), method)


def expected_calibration_error(probabilities: np.ndarray, targets: np.ndarray, bins: int = 15) -> float:
    """ECE of the top-1 confidence over equal-width bins (weighted mean |accuracy − confidence|)."""
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == targets
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    error = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            error += mask.mean() * abs(correct[mask].mean() - confidence[mask].mean())
    return float(error)


def reliability_table(
    probabilities: np.ndarray, targets: np.ndarray, edges: tuple[float, ...] = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 1.0)
) -> list[dict[str, float]]:
    """Per confidence band: share of messages, mean confidence and accuracy of the top-1 class."""
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == targets
    rows = []
    for low, high in zip(edges[:-1], edges[1:], strict=True):
        mask = (confidence > low) & (confidence <= high) if low > 0 else (confidence <= high)
        if mask.any():
            rows.append({
                "low": low, "high": high, "share": float(mask.mean()),
                "confidence": float(confidence[mask].mean()), "accuracy": float(correct[mask].mean()),
            })
    return rows
