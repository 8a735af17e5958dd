# Labels that are not host names: spaces, punctuation, accented letters
# (raw UTF-8 and HTML entities), another script, duplicates, none, a
# label longer than a name, and two that are the same in their first 31
# characters.
graph [
  label "Labels"
  node [ id 0 label "Zürich" Latitude 47.36667 Longitude 8.55 ]
  node [ id 1 label "S&#227;o Paulo" Latitude -23.5475 Longitude -46.63611 ]
  node [ id 2 label "New York, NY (NYC-1)" Latitude 40.71427 Longitude -74.00597 ]
  node [ id 3 label "Zurich" Latitude 47.36667 Longitude 8.55 ]
  node [ id 4 label "ZÜRICH" ]
  node [ id 5 label "Москва" Latitude 55.75222 Longitude 37.61556 ]
  node [ id 6 ]
  node [ id 7 label "Łódź / Kraków &amp; Gdańsk; Wrocław, Poznań, Szczecin" ]
  node [ id 8 label "Zurich-2" ]
  node [ id 9 label "***" ]
  node [ id 10 label "Very Long Point of Presence, Number 1" ]
  node [ id 11 label "Very Long Point of Presence, Number 2" ]
  edge [ source 0 target 1 ]
  edge [ source 1 target 2 ]
  edge [ source 2 target 3 ]
  edge [ source 3 target 4 ]
  edge [ source 4 target 5 ]
  edge [ source 5 target 6 ]
  edge [ source 6 target 7 ]
  edge [ source 7 target 8 ]
  edge [ source 8 target 9 ]
  edge [ source 9 target 0 ]
  edge [ source 10 target 11 ]
]
