"""roboskill."""
