// Asio's separately compiled part (BOOST_ASIO_SEPARATE_COMPILATION is set on
// postamt_net): every other translation unit that includes Asio only
// instantiates templates, which keeps session runners cheaper to build.
#include <boost/asio/impl/src.hpp>
