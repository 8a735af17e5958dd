# Several edges between one pair of nodes (a multigraph, as networkx
# writes the Topology Zoo's GML): each becomes a link of its own.
graph [
  DateObtained "3/02/11"
  GeoLocation "Europe"
  Network "Multi"
  multigraph 1
  node [
    id 0
    label "Geneva"
    Country "Switzerland"
    Longitude 6.14569
    Internal 1
    Latitude 46.20222
  ]
  node [
    id 1
    label "Milan"
    Country "Italy"
    Longitude 9.18951
    Internal 1
    Latitude 45.46427
  ]
  node [
    id 2
    label "Vienna"
    Country "Austria"
    Longitude 16.37208
    Internal 1
    Latitude 48.20849
  ]
  edge [
    source 0
    target 1
    LinkLabel "10G"
    key 0
  ]
  edge [
    source 0
    target 1
    LinkLabel "10G backup"
    key 1
  ]
  edge [
    source 1
    target 0
    key 2
  ]
  edge [
    source 1
    target 2
    key 0
  ]
]
