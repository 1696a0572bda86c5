"""The output layer: what a command hands over (``result``), how lists are shaped
(``shaping``), how values are written (``formatting``, ``columns``), the one writer of data
on stdout (``render``) and the one voice on stderr (``terminal``)."""
