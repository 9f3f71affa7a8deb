"""The shared kernel: small modules by concept that every app may import and that import no app."""
