# An edge with three ends (a hyperedge): an error at its line.
graph [
  node [ id 0 ]
  node [ id 1 ]
  node [ id 2 ]
  edge [ source 0 target 1 ]
  edge [ source 0 target 1 target 2 ]
]
