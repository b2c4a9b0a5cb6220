"""The Streamlit front end: pages that build a scenario, call `sim`, and draw what comes back."""
