"""Pre-generated voices: engines, cleaning, the manifest of built files, and how they are served."""
