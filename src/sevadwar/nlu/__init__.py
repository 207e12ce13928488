"""Offline understanding of citizens' messages in Hindi, English and Hinglish.

- :mod:`.understanding` — :class:`~.understanding.Understanding`: build once from the catalogue,
  then ``parse(text, context=...)`` → :class:`~.types.Parse` (language, intent, service,
  confidence, alternatives, info topic, entities, needs_clarification).
- :mod:`.entities` — field answers: ``parse_date``, ``parse_yes_no``, ``parse_number``,
  ``parse_amount``, ``parse_phone``, ``parse_pincode``, ``parse_aadhaar``/``mask_aadhaar``,
  ``parse_email``, ``match_option``; ``redact`` for prompts and logs (dates and numbers live in
  :mod:`.dates` and :mod:`.numbers` and are re-exported here).
- :mod:`.normalise`, :mod:`.spelling`, :mod:`.language`, :mod:`.intents`, :mod:`.index`,
  :mod:`.words` — the parts: script and spelling folding, typo repair, language, intent phrases,
  service scoring, and the NLU's view of a catalogue service.
- :mod:`.speech`, :mod:`.llm` — optional OpenAI-compatible voice transcription and grounded
  answers, both off unless configured.
- ``data/`` — the word lists and phrases (YAML); the catalogue teaches the services.
"""
