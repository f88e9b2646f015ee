"""The agency's registry: units, insured persons, their employment, connected I-VANs, officers."""
