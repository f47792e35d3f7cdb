"""Plan how to get a large language model trained at the lowest cost.

Layers, each depending only on the ones before it:
inputs (catalog, scenario) -> quality/compute estimates -> candidate paths -> stage options
-> MIP model -> solve -> Plan -> evaluation and reports.
"""

__version__ = "0.1.0"
