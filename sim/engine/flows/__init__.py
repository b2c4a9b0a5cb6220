"""Flows of patients, calls, beds and supplies between the incident's events, on the time grid."""
