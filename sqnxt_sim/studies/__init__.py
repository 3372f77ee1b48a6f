"""The runs that answer design questions: tune (the best accelerator for a network within a
budget) and search (the best network of a family on an accelerator). They return rows and
numbers; report/ renders them."""
