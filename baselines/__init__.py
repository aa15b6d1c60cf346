"""Non-recurrent models (full attention, truncated window, prompted LM) behind the model contract."""
