# Installation layout and the Debian package (cpack -G DEB).
#   /usr/bin/tsunagi
#   /usr/share/tsunagi/{schema,codes,profiles}   found beside the binary (mapping/xml/schema.cpp)
#   /usr/share/tsunagi/certs/*.sh                the PKI scripts (certs/)
#   /usr/share/tsunagi/demo/                     the demo scenario's input files (config/demo/)
#   /usr/share/doc/tsunagi/                      README, docs, example configurations
#   /usr/lib/systemd/system/tsunagi@.service     one instance per /etc/tsunagi/NAME.xml
include(GNUInstallDirs)

install(PROGRAMS
  certs/common.sh certs/make-ca.sh certs/issue-node.sh certs/issue-coordinator.sh
  certs/revoke.sh certs/make-crl.sh certs/spki-pin.sh
  DESTINATION ${CMAKE_INSTALL_DATADIR}/tsunagi/certs)
install(DIRECTORY config/demo/ DESTINATION ${CMAKE_INSTALL_DATADIR}/tsunagi/demo)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)
install(FILES config/kashiwa.xml config/nagareyama.xml config/matsudo.xml config/README.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
install(FILES config/systemd/tsunagi@.service DESTINATION lib/systemd/system)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME tsunagi)
set(CPACK_PACKAGE_VENDOR "tsunagi project")
set(CPACK_PACKAGE_CONTACT "tsunagi maintainers <tsunagi@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The embedded default database runs PostgreSQL 15's own binaries; openssl runs the certs/ scripts.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "postgresql-15, openssl, adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${PROJECT_SOURCE_DIR}/config/debian/postinst;${PROJECT_SOURCE_DIR}/config/debian/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
