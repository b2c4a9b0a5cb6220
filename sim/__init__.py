"""Tabletop-exercise simulator for IT outages in regional healthcare.

The package knows no screen: the command line (`python -m sim`) and the Streamlit app only call it.
"""

__version__ = "0.1.0"
