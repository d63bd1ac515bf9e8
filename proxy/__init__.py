"""specguard's proxy: server, upstream clients, streaming, policy and metrics.

Importing the package pins every third-party library to offline mode: nothing may download at
run time (litellm's model-cost map, Hugging Face hub look-ups, tldextract's suffix list).
"""

import os

for _name, _value in (
    ("LITELLM_LOCAL_MODEL_COST_MAP", "True"),
    ("HF_HUB_OFFLINE", "1"),
    ("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", ""),
    ("LITELLM_TELEMETRY", "False"),
):
    os.environ.setdefault(_name, _value)
