# An edge from a node to itself: skipped with a warning (a link joins two
# hosts), the others kept.
graph [
  directed 0
  node [ id 0 label "Rome" Latitude 41.89193 Longitude 12.51133 ]
  node [ id 1 label "Naples" Latitude 40.85216 Longitude 14.26811 ]
  edge [ source 0 target 1 ]
  edge [ source 1 target 1 ]
]
