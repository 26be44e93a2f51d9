"""National scale: a problem split into independent parts, the parts run by a `PartRunner`
(in this process, or as Ray tasks on a laptop or a cluster), their results combined."""
