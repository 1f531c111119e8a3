# Turn each line of the meta-data XML into a C string literal line.
s/\\/\\\\/g
s/"/\\"/g
s/^/"/
s/$/\\n"/
