"""Request and response shapes of commerce, one module per room."""
