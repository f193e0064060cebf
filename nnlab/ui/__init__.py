"""The Textual app: tabs of labs, shared keys, the command palette, help and dialogs."""
