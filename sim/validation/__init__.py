"""The validation report (docs/validation.md): the model against queueing theory, against the
published incidents, and its sensitivity to the most uncertain parameters.
`make validation` regenerates it with `python -m sim.validation`."""
