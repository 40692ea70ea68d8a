"""Physics engines and exact references, one module per system."""
