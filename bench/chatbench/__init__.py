"""Helpers of bench/chat.py: the Quanzi and Synapse drivers, the workloads, the idle-connection client."""
