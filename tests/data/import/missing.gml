# An edge to a node that is not in the graph: an error at its line.
graph [
  node [ id 0 label "A" ]
  node [ id 1 label "B" ]
  edge [ source 0 target 1 ]
  edge [
    source 1
    target 7
  ]
]
