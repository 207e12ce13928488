"""Sevadwar (सेवा द्वार): citizen services over WhatsApp."""

__version__ = "0.1.0"
