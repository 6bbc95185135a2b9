/* Holds no code: this target only publishes lockwarden_core.h to Swift. */
