"""The evidence library: observed incidents and studies (scenarios/evidence/), what the simulator
predicts for them, calibration of assumed numbers against them, and the leave-one-incident-out
check."""
