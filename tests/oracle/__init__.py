"""The tests ' second implementation of the model (docs/model.md), independent of the engine."""
