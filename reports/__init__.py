"""Result files in, CSV tables and PNG figures out (pandas, matplotlib)."""
