"""seals"""
