"""U-ETDS: the Ministry of Transport's passenger-transport notification (``reference/uetds.md``).

``client`` speaks the SOAP service through zeep, ``registry`` says whether reporting is on and hands out the
reporter, ``reporting`` decides what to send for each trip and records the answers.
"""
