"""Message intelligence without Django: category classification of citizen messages (train, predict, evaluate)."""

from hotline.intelligence.classifier import Config, Model, load, train
from hotline.intelligence.evaluation import Report, evaluate
from hotline.intelligence.modelfile import ModelFileError
from hotline.intelligence.text import compose

__all__ = ["Config", "Model", "ModelFileError", "Report", "compose", "evaluate", "load", "train"]
