"""The organisation profiles: the bundled examples (one YAML per seed organisation)
and their schema (config/profile.py), at the bottom of the layers so that every
package, the leaves included, may read a profile."""
